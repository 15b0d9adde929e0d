/**
 * Русский: сообщения движка и названия правил (синтаксис подстановок описан в en.ts; множественное число в трёх
 * формах: `{n|одна|две|пять}`). Слова словаря (TERMS) в предложном падеже: «о перемещении».
 */
import type { RuleId } from '../engine/findings.js';
import type { MessageCode } from '../engine/messages.js';
import type { Catalogue } from './types.js';

const messages: Record<MessageCode, string> = {
  'log.equivocation':
    'журнал {origin} подписал два несовместимых дерева (они расходятся в первых {size} записях); он учитывается только до размера {foldedTo}; доказательство: {evidence}',
  'regime.signature-mismatch': '{party} подписал(а) режим с хешем {signed:hash}, а не этот режим ({expected:hash})',
  'entry.wrong-log': 'запись стороны {party} находится в журнале стороны {log} ({origin}); она не учитывается',
  'entry.wrong-log.no-party':
    'запись стороны {party} находится в журнале, не принадлежащем ни одной стороне ({origin}); она не учитывается',
  'entry.unresolved-reference':
    'запись {type} стороны {party} ссылается на {n} {n|запись|записи|записей}, не учтённые до неё: {entries}',
  'entry.invalid-reference.opening': '{party} раскрывает заявление, не являющееся её текущим депонированным заявлением',
  'entry.invalid-reference.explanation': 'разъяснение стороны {party} не отвечает ни на один адресованный ей запрос',
  'entry.invalid-reference.acknowledgement': '{party} подтверждает запись, не являющуюся адресованным ей уведомлением',
  'entry.invalid-reference.reveal': 'раскрытие стороны {party} не ссылается на её собственное обязательство',
  'confidential.false-complaint':
    '{party} жалуется, что запись {author} не расшифровывается, но раскрытый ключ это опровергает ({reason})',
  'confidential.undecryptable':
    'зашифрованная запись {party} ({type}) не раскрывается в заявленное содержание ({reason})',
  'declaration.incomplete':
    'заявление стороны {party} на {asOf} ссылается на недоступные блоки с дополнительными единицами; учтены только единицы из самой записи',
  'limit.exceeded': '{party} превышает «{limit}» (не более {atMost}): заявлено сверх предела с {from:time}',
  'limit.exceeded.in-zone':
    '{party} превышает «{limit}» (не более {atMost} в зоне {zone}): заявлено сверх предела с {from:time}',
  'limit.exceeded-observed': '{party} превышает «{limit}» (не более {atMost}): наблюдается сверх предела с {from:time}',
  'limit.exceeded-observed.in-zone':
    '{party} превышает «{limit}» (не более {atMost} в зоне {zone}): наблюдается сверх предела с {from:time}',
  'commitment.invalid-withdrawal': '{party} отзывает «{commitment}», ссылаясь не на действующее принятие',
  'notification.late':
    '{party} уведомил(а) о {kind:term} по «{rule}» с опозданием на {late:duration} (срок {due:time})',
  'notification.snap-late':
    '{party} уведомил(а) о деятельности по «{rule}», проводимой без предварительного уведомления войск, через {late:duration} после её начала (срок {due:time})',
  'notification.missing': '{party} не уведомил(а) о {kind:term} {n} {n|единицы|единиц|единиц} по «{rule}»: {items}',
  'notification.missing.activity':
    'деятельность стороны {party}, наблюдаемая с {first:time}, достигает порога «{rule}» и не была уведомлена',
  'notification.unknown-item':
    'уведомление стороны {party} называет {n} {n|единицу|единицы|единиц}, которые она не заявляла: {items}',
  'notification.explanation-late':
    '{party} дал(а) разъяснение по «{rule}» с опозданием на {late:duration} (срок {due:time})',
  'notification.explanation-missing':
    '{addressee} не дал(а) разъяснений по запросу стороны {party} («{rule}») к {due:time}',
  'acknowledgement.late':
    '{party} подтвердил(а) уведомление стороны {notifier} («{rule}») с опозданием на {late:duration}',
  'acknowledgement.missing': '{party} не подтвердил(а) уведомление стороны {notifier} («{rule}») к {due:time}',
  'inspection.short-notice':
    '{party} запросил(а) инспекцию «{type}» на объекте {site} с прибытием {arrival:time} с уведомлением менее {notice:duration}',
  'inspection.quota-exceeded':
    'запрос стороны {party} — {used}-я инспекция «{type}» у стороны {host} за период; квота {quota}',
  'inspection.quota-exceeded.host':
    'запрос стороны {party} — {used}-я инспекция «{type}», принимаемая стороной {host} за период; её пассивная квота {quota}',
  'inspection.site-not-selected': '{party} уже выбрал(а) {chosen} для «{type}»; {site} сверх {count}',
  'inspection.site-not-selected.no-draw':
    '{party} запросил(а) «{type}» на объекте {site} без совместной жеребьёвки, выбирающей объекты',
  'inspection.not-conducted':
    'инспекция «{type}» стороны {inspector} на объекте {site} (прибытие {arrival:time}) была положена, но отчёта нет',
  'inspection.report-mismatch': 'отчёт стороны {party} по объекту {site} не соответствует указанному запросу',
  'inspection.not-countersigned': 'сопровождающие стороны {host} не подписали отчёт стороны {party} по объекту {site}',
  'inspection.overran': 'инспекция стороны {party} на объекте {site} длилась дольше {duration:duration}',
  'inspection.item-not-found':
    'инспекторы стороны {inspector} не нашли {n} {n|единицу|единицы|единиц}, заявленных стороной {host} на объекте {site}: {items}',
  'inspection.item-mismatch':
    'на объекте {site} {n} {n|единица не соответствует|единицы не соответствуют|единиц не соответствуют} заявлению стороны {host}: {items}',
  'inspection.absence-not-confirmed':
    'на объекте {site} инспекторы стороны {inspector} обнаружили то, чего не должно быть: {items}',
  'inspection.undeclared-items':
    'на объекте {site} инспекторы стороны {inspector} обнаружили незаявленные стороной {host} единицы: {items}',
  'inspection.configuration-not-confirmed':
    'на объекте {site} инспекторы стороны {inspector} не подтвердили {n} {n|характеристику|характеристики|характеристик} конфигурации, принятой стороной {host}: {items}',
  'inspection.site-not-drawn':
    '{party} запросил(а) инспекцию на объекте {site}, не выбранном жеребьёвкой {draw} ({status})',
  'inspection.site-not-drawn.selected':
    '{party} запросил(а) инспекцию на объекте {site}, не выбранном жеребьёвкой {draw} ({status}: {selected})',
  'escrow.duplicate-commitment':
    '{party} зафиксировал(а) второе депонированное заявление на {asOf} (корень {root}); действует первое (корень {first}), второе не учитывается',
  'escrow.invalid-opening.declaration': 'депонированное заявление стороны {party} не проходит проверку: {detail}',
  'escrow.invalid-opening': 'раскрытие стороны {party} не проходит проверку: {detail}',
  'escrow.declared-not-found':
    '{host} раскрыл(а) на объекте {site} {n} {n|единицу|единицы|единиц}, не найденных инспекторами стороны {inspector}: {items}',
  'escrow.found-not-declared':
    'инспекторы стороны {inspector} обнаружили на объекте {site} {n} {n|единицу|единицы|единиц}, которых нет в раскрытии стороны {host}: {items}',
  'escrow.phase-not-opened':
    '{party} не раскрыл(а) полностью {region} к {by}, как требует график раскрытия режима, в депонированном заявлении на {asOf}',
  'escrow.phase-not-opened.late':
    '{party} не раскрыл(а) полностью {region} к {by}, как требует график раскрытия режима, в депонированном заявлении на {asOf} (раскрыто с опозданием, {opened:time})',
  'draw.not-a-party': 'жеребьёвка {draw}: {party} не участвует в жеребьёвке, но принял(а) в ней участие',
  'draw.commit-late': 'жеребьёвка {draw}: {party} зафиксировал(а) обязательство после срока',
  'draw.commit-duplicate': 'жеребьёвка {draw}: {party} зафиксировал(а) второе обязательство (не учитывается)',
  'draw.commit-missing': 'жеребьёвка {draw}: {party} не зафиксировал(а) обязательство в срок',
  'draw.reveal-invalid': 'жеребьёвка {draw}: значение, раскрытое стороной {party}, не соответствует обязательству',
  'draw.reveal-late': 'жеребьёвка {draw}: {party} раскрыл(а) случайное значение после срока',
  'draw.reveal-missing': 'жеребьёвка {draw}: {party} не раскрыл(а) случайное значение в срок',
  'metric.deadline-missed': 'показатель «{metric}» не выполнен к {deadline} (не более {atMost})',
  'metric.relapsed': 'показатель «{metric}» был выполнен, но больше не выполняется',
  'metric.relapsed.value': 'показатель «{metric}» был выполнен, но больше не выполняется: {value} при пределе {atMost}',
  'metric.declaration-contradicted':
    '{party} заявил(а) {declared} по показателю «{metric}»; независимые источники сходятся на {verified}',
  'metric.sources-disagree': 'источники для «{metric}» расходятся более чем на {percent} %: {observations}',
  'periodic.missing': '{party} не представил(а) данные на {asOf} по «{obligation}», срок {due:time}',
  'periodic.late':
    '{party} представил(а) данные на {asOf} по «{obligation}» с опозданием на {late:duration} (срок {due:time})',
  'commitment.withdrawn': 'отозвано стороной {party}, с {effective:time}',
  'commitment.proposed': 'не принято стороной {party}',
  'commitment.awaiting': 'ожидается: {conditions}',
  'commitment.breached': 'в силе с {since:time}; нарушено: {rules}',
  'commitment.breached.withdrawing': 'в силе с {since:time}; нарушено: {rules}; отзыв вступает в силу {effective:time}',
  'commitment.in-force': 'в силе с {since:time}: принято, все условия выполнены',
  'commitment.in-force.withdrawing':
    'в силе с {since:time}: принято, все условия выполнены; отзыв вступает в силу {effective:time}',
  'condition.regime-in-force': 'режим вступил в силу',
  'condition.accepted': 'принятие «{commitment}»',
  'condition.in-force': 'вступление в силу «{commitment}»',
  'condition.metric-met': 'выполнение показателя «{metric}»',
  'condition.date': 'период с {from} по {until}',
};

const rules: Record<RuleId, string> = {
  'log.equivocation': 'журнал стороны подписал два несовместимых дерева; он учитывается только до точки расхождения',
  'regime.signature-mismatch': 'сторона подписала хеш другого режима',
  'entry.wrong-log': 'запись от имени стороны находится в журнале другой стороны',
  'entry.unresolved-reference': 'запись ссылается на запись, которой нет у движка',
  'entry.invalid-reference': 'запись ссылается на запись не того типа или не той стороны',
  'confidential.false-complaint': 'жалоба на зашифрованную запись, опровергнутая раскрытым ключом',
  'confidential.undecryptable': 'зашифрованная запись не расшифровывается или не совпадает с обязательством автора',
  'declaration.incomplete': 'дополнительные единицы заявления (блоки) не удалось прочитать',
  'limit.exceeded': 'заявленное стороной превышает действующий предел',
  'limit.exceeded-observed': 'наблюдения или инспекции показывают превышение действующего предела',
  'commitment.invalid-withdrawal': 'отзыв не ссылается на действующее принятие',
  'notification.late': 'уведомление сделано после срока',
  'notification.snap-late':
    'деятельность, проводимая без предварительного уведомления войск, не уведомлена при её начале',
  'notification.missing': 'наблюдение или более позднее заявление показывает изменение, о котором не уведомили',
  'notification.unknown-item': 'уведомление называет незаявленную единицу',
  'notification.explanation-late': 'разъяснение по запросу дано после срока',
  'notification.explanation-missing': 'разъяснение по запросу не дано в срок',
  'acknowledgement.late': 'получение уведомления подтверждено после срока',
  'acknowledgement.missing': 'получение уведомления не подтверждено в срок',
  'inspection.short-notice': 'инспекция запрошена с уведомлением короче положенного',
  'inspection.quota-exceeded': 'запрос инспекции превышает квоту за период',
  'inspection.site-not-selected': 'запрос инспекции называет объект сверх тех, что инспектор вправе выбрать',
  'inspection.not-conducted': 'положенная инспекция запрошена, но отчёта нет',
  'inspection.report-mismatch': 'отчёт не соответствует запросу',
  'inspection.not-countersigned': 'сопровождающие принимающей стороны не подписали отчёт',
  'inspection.overran': 'инспекция длилась дольше положенного',
  'inspection.item-not-found': 'заявленная единица не найдена там, где заявлена',
  'inspection.item-mismatch': 'инспектированная единица отличается от заявленной',
  'inspection.absence-not-confirmed': 'единицы, отсутствие которых следовало подтвердить, присутствуют',
  'inspection.undeclared-items': 'инспекторы обнаружили единицы, которых нет ни в одном заявлении',
  'inspection.configuration-not-confirmed': 'инспекторы не подтвердили конфигурацию, принятую принимающей стороной',
  'inspection.site-not-drawn': 'запрос инспекции ссылается на жеребьёвку, не выбравшую этот объект',
  'escrow.duplicate-commitment': 'второе депонированное заявление за тот же период (действует первое)',
  'escrow.invalid-opening': 'раскрытие (или депонированное заявление) не проходит проверку по обязательству',
  'escrow.declared-not-found': 'раскрытая на объекте единица не найдена там инспекторами',
  'escrow.found-not-declared': 'инспекторы обнаружили единицу, которой нет в раскрытии объекта принимающей стороной',
  'escrow.phase-not-opened': 'регион, раскрытие которого предусмотрено графиком режима, не раскрыт полностью в срок',
  'draw.not-a-party': 'в совместной жеребьёвке участвовала сторона, не являющаяся её участником',
  'draw.commit-late': 'обязательство к случайному значению зафиксировано после срока',
  'draw.commit-duplicate': 'второе обязательство для той же жеребьёвки (не учитывается)',
  'draw.commit-missing': 'сторона не зафиксировала обязательство к случайному значению в срок',
  'draw.reveal-invalid': 'раскрытое значение не соответствует обязательству',
  'draw.reveal-late': 'случайное значение раскрыто после срока',
  'draw.reveal-missing': 'сторона не раскрыла случайное значение в срок',
  'metric.deadline-missed': 'показатель деэскалации не выполнен к сроку',
  'metric.relapsed': 'выполненный показатель деэскалации больше не выполняется',
  'metric.declaration-contradicted': 'независимые наблюдения противоречат заявленному стороной значению',
  'metric.sources-disagree': 'независимые источники показателя расходятся',
  'periodic.missing': 'периодическое заявление, предусмотренное режимом, не сделано в срок',
  'periodic.late': 'периодическое заявление сделано после срока',
};

export const ru: Catalogue = {
  messages,
  rules,
  terms: {
    movement: 'перемещении',
    'status-change': 'изменении статуса',
    activity: 'деятельности',
    concern: 'запросе',
    explanation: 'разъяснении',
  },
  words: {
    more: 'и ещё {n}',
    utc: 'UTC',
    years: '{n} {n|год|года|лет}',
    months: '{n} {n|месяц|месяца|месяцев}',
    weeks: '{n} {n|неделя|недели|недель}',
    days: '{n} {n|сутки|суток|суток}',
    hours: '{n} ч',
    minutes: '{n} мин',
    seconds: '{n} с',
    'under-an-hour': 'менее часа',
  },
};
