/** The script an HTTP acceptor process runs (api/acceptors.ts): its settings come from the writer, in its environment. */
import { ACCEPTOR_ENV, type AcceptorInit, runAcceptor } from './acceptors.js';

const init = JSON.parse(process.env[ACCEPTOR_ENV] ?? 'null') as AcceptorInit | null;
if (!init) {
  process.stderr.write(`${ACCEPTOR_ENV} is not set: this script is started by \`detente node serve --http-workers\`\n`);
  process.exit(2);
}
runAcceptor(init).catch((err: Error) => {
  process.stderr.write(`HTTP acceptor: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
