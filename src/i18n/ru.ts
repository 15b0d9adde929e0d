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
  'entry.invalid-reference.refusal':
    '{party} отказывает в записи, которая не является адресованным ей запросом на инспекцию',
  'confidential.false-complaint':
    '{party} жалуется, что запись {author} не расшифровывается, но раскрытый ключ это опровергает ({reason})',
  'confidential.undecryptable':
    'зашифрованная запись {party} ({type}) не раскрывается в заявленное содержание ({reason})',
  'confidential.audience-widened':
    'запись {party} ({type}) адресована кругу «{audience}», более широкому, чем допускает режим («{allowed}»)',
  'declaration.incomplete':
    'заявление стороны {party} на {asOf} ссылается на недоступные блоки с дополнительными единицами; учтены только единицы из самой записи',
  'limit.exceeded': 'заявленное {party} количество выше предела «{limit}» (не более {atMost}) с {from:time}',
  'limit.exceeded.in-zone':
    'заявленное {party} количество выше предела «{limit}» (не более {atMost} в зоне {zone}) с {from:time}',
  'limit.exceeded-observed':
    'наблюдения указывают, что у {party} больше предела «{limit}» (не более {atMost}) с {from:time}',
  'limit.exceeded-observed.in-zone':
    'наблюдения указывают, что у {party} больше предела «{limit}» (не более {atMost} в зоне {zone}) с {from:time}',
  'commitment.invalid-withdrawal': '{party} отзывает «{commitment}», ссылаясь не на действующее принятие',
  'notification.late':
    '{party} уведомил(а) о {kind:term} по «{rule}» с опозданием на {late:duration} (срок {due:time})',
  'notification.snap-late':
    '{party} уведомил(а) о деятельности по «{rule}», проводимой без предварительного уведомления войск, через {late:duration} после её начала (срок {due:time})',
  'notification.missing':
    'уведомления {party} о {kind:term} {n} {n|единицы|единиц|единиц} по «{rule}» в записях нет: {items}',
  'notification.missing.activity':
    'деятельность стороны {party}, наблюдаемая с {first:time}, достигает порога «{rule}»; уведомления в записях нет',
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
  'inspection.refused':
    '{host} отказал(а) в положенной инспекции «{type}» стороны {inspector} на объекте {site} (прибытие {arrival:time})',
  'inspection.not-conducted':
    'инспекция «{type}» стороны {inspector} на объекте {site} (прибытие {arrival:time}) была положена, но отчёта нет',
  'inspection.report-mismatch': 'отчёт стороны {party} по объекту {site} не соответствует указанному запросу',
  'inspection.not-countersigned': 'сопровождающие стороны {host} не подписали отчёт стороны {party} по объекту {site}',
  'inspection.not-countersigned.host-nation':
    'сопровождающие стороны {nation}, государства пребывания, не подписали отчёт стороны {party} по объекту {site} (принимающая сторона {host})',
  'inspection.consent-missing':
    'визит стороны {inspector} на объект {site} (принимающая сторона {host}) начался {start:time} без согласия государства пребывания {nation}',
  'inspection.overran': 'инспекция стороны {party} на объекте {site} длилась дольше {duration:duration}',
  'inspection.reply-late':
    'сторона {host} ответила на запрос стороны {inspector} об инспекции «{type}» на объекте {site} с опозданием на {late:duration} (срок ответа {limit:duration})',
  'inspection.entry-late':
    'сторона {host} допустила инспекторов стороны {inspector} («{type}») на объект {site} в {start:time}, с опозданием на {late:duration} после срока {limit:duration} от запроса',
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
  'observation.not-invited':
    '{party} уведомил(а) о деятельности по «{rule}» с началом {start:time}, достигающей {atLeast} ({category}), не пригласив наблюдателей',
  'calendar.not-listed':
    'деятельность {party} по «{rule}» с началом {start:time} не включена в его годовой план на {year} год',
  'constraint.exceeded':
    'деятельность {party} по «{rule}» с началом {start:time} доводит число мероприятий, достигающих {atLeast} ({category}), до {n} за {years} {years|календарный год|календарных года|календарных лет} (не более {atMost})',
  'constraint.exceeded.more-than':
    'деятельность {party} по «{rule}» с началом {start:time} доводит число мероприятий, превышающих {moreThan} ({category}), до {n} за {years} {years|календарный год|календарных года|календарных лет} (не более {atMost})',
  'commitment.withdrawn': 'отозвано стороной {party}, с {effective:time}',
  'commitment.proposed': 'не принято стороной {party}',
  'commitment.awaiting': 'ожидается: {conditions}',
  'commitment.breached': 'в силе с {since:time}; выявлены признаки по: {rules:rule}',
  'commitment.breached.withdrawing':
    'в силе с {since:time}; выявлены признаки по: {rules:rule}; отзыв вступает в силу {effective:time}',
  'commitment.in-force': 'в силе с {since:time}: принято, все условия выполнены',
  'commitment.in-force.withdrawing':
    'в силе с {since:time}: принято, все условия выполнены; отзыв вступает в силу {effective:time}',
  'condition.regime-in-force': 'режим вступил в силу',
  'condition.accepted': 'принятие «{commitment}»',
  'condition.in-force': 'вступление в силу «{commitment}»',
  'condition.metric-met': 'выполнение показателя «{metric}»',
  'condition.date': 'период с {from} по {until}',
  'consultation.stage-missed':
    '{party} не провела этап «{stage}» консультации, начатой {raiser} по «{mechanism}», к {due:time}',
  'consultation.stage-late':
    '{party} провела этап «{stage}» консультации, начатой {raiser} по «{mechanism}», на {late:duration} позже срока ({due:time})',
  'consultation.sessions-missing':
    '«{mechanism}» собиралась {held} {held|раз|раза|раз} с {from:time} по {to:time}; положено не менее {atLeast} {atLeast|раза|раз|раз}',
  'consultation.out-of-order.unknown': '{step} стороны {party} не ссылается на этап консультации; не учитывается',
  'consultation.out-of-order.closed': '{step} стороны {party} относится к уже закрытой консультации; не учитывается',
  'consultation.out-of-order.followed':
    '{step} стороны {party} следует за этапом, за которым уже есть другой; не учитывается',
  'consultation.out-of-order.not-a-side':
    '{party} не является стороной консультации, к которой относится её {step}; не учитывается',
  'consultation.out-of-order.order': '{step} стороны {party} нарушает порядок этапов; не учитывается',
  'mission.objection-late':
    '{party} возразила против лиц в списках {inspector} на {late:duration} позже окончания срока возражений ({due:time})',
  'mission.arrival-notice-short':
    '{party} уведомила о прибытии в пункт въезда {pointOfEntry} (расчётное время {eta:time}) менее чем за {notice:duration}',
  'mission.refused': '{party} отказала в инспекции «{type}» стороны {inspector} на объекте {site}',
  'mission.step-misplaced.unknown':
    'шаг миссии {step} стороны {party} не ссылается на запрос или списки; не учитывается',
  'mission.step-misplaced.side': 'шаг миссии {step} должна записывать другая сторона, не {party}; не учитывается',
  'mission.step-misplaced.closed':
    'шаг миссии {step} стороны {party} следует за отказом, переносом или форс-мажором; не учитывается',
  'mission.step-misplaced.no-rules':
    'списки стороны {party} относятся к виду инспекций без правил миссий; не учитываются',
  'mission.step-misplaced.consent':
    'согласие стороны {party} не относится к инспекции на объекте, государством пребывания которого она является; не учитывается',
  'incident.indicators':
    '{n} {n|признак|признака|признаков} в отношении {party} ({findings} {findings|выявление|выявления|выявлений}): {rules:rule}',
  'incident.indicators.at':
    '{n} {n|признак|признака|признаков} в отношении {party}, {place} ({findings} {findings|выявление|выявления|выявлений}): {rules:rule}',
  'incident.question': 'вопрос к {party}: чем объясняются записи с {from:time} по {to:time}?',
  'incident.question.at': 'вопрос к {party}: чем объясняются записи ({place}) с {from:time} по {to:time}?',
};

const rules: Record<RuleId, string> = {
  'log.equivocation': 'журнал стороны подписал два несовместимых дерева; он учитывается только до точки расхождения',
  'regime.signature-mismatch': 'сторона подписала хеш другого режима',
  'entry.wrong-log': 'запись от имени стороны находится в журнале другой стороны',
  'entry.unresolved-reference': 'запись ссылается на запись, которой нет у движка',
  'entry.invalid-reference': 'запись ссылается на запись не того типа или не той стороны',
  'confidential.false-complaint': 'жалоба на зашифрованную запись, опровергнутая раскрытым ключом',
  'confidential.audience-widened': 'запись доступна большему кругу сторон, чем позволяет режим',
  'confidential.undecryptable': 'зашифрованная запись не расшифровывается или не совпадает с обязательством автора',
  'declaration.incomplete': 'дополнительные единицы заявления (блоки) не удалось прочитать',
  'limit.exceeded': 'заявленное стороной выше действующего предела',
  'limit.exceeded-observed': 'наблюдения или инспекции указывают на количество выше действующего предела',
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
  'inspection.refused': 'принимающая сторона отказала в положенной инспекции',
  'inspection.report-mismatch': 'отчёт не соответствует запросу',
  'inspection.not-countersigned': 'сопровождающие принимающей стороны не подписали отчёт',
  'inspection.consent-missing': 'визит на территории государства пребывания без его согласия, записанного до начала',
  'inspection.overran': 'инспекция длилась дольше положенного',
  'inspection.reply-late': 'принимающая сторона ответила на запрос об инспекции позже установленного срока',
  'inspection.entry-late': 'принимающая сторона допустила инспекторов позже установленного срока после запроса',
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
  'observation.not-invited': 'о деятельности, подлежащей наблюдению, уведомлено без приглашения наблюдателей',
  'calendar.not-listed': 'уведомляемая деятельность не включена в годовой план',
  'constraint.exceeded': 'крупных мероприятий больше, чем допускают ограничения за один или три календарных года',
  'consultation.stage-missed': 'этап консультации не проведён в срок',
  'consultation.stage-late': 'этап консультации проведён после срока',
  'consultation.sessions-missing': 'механизм консультаций собирался за период реже, чем предусматривает режим',
  'consultation.out-of-order': 'шаг консультации, нарушающий её порядок (не учитывается)',
  'mission.objection-late': 'возражение против инспекторов или членов экипажа после срока возражений',
  'mission.arrival-notice-short': 'уведомление о прибытии в пункт въезда менее чем за установленный срок',
  'mission.refused': 'принимающая сторона отказала в запрошенной инспекции',
  'mission.step-misplaced': 'шаг миссии не той стороны или без миссии (не учитывается)',
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
    calendar: 'годовом плане',
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
