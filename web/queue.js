// The appraisal team's work queue: every unit of the round with its state, progress,
// deadline and flags (RoundService/GetWorkQueue), searched, filtered and sorted in the
// page, with the counts per state and what waits for the appraiser; moving the round
// on, with the units it leaves behind and what happens to them; a unit's history from
// the audit trail. Words from messages.js.
'use strict';

// The last queue read, and the appraised ranking (the index column).
const queue = {items: [], index: new Map(), notAppraised: new Set(), round: null};

const QUEUE_FLAGS = {
  overdue: (item) => Boolean(item.overdue),
  explanation_waiting: (item) => Boolean(item.explanation_waiting),
  changed: (item) => Boolean(item.changed_since_appraisal),
  asked: (item) => item.state === 'STATE_EXPLANATION_REQUESTED',
};

const QUEUE_SORTS = {
  code: (a, b) => a.unit.localeCompare(b.unit, 'vi'),
  name: (a, b) => (a.unit_name || '').localeCompare(b.unit_name || '', 'vi'),
  state: (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state),
  progress: (a, b) => progressShare(a) - progressShare(b),
  deadline: (a, b) => deadlineTime(a) - deadlineTime(b),
  submitted: (a, b) => (b.submitted_at || '').localeCompare(a.submitted_at || ''),
};

const STATE_ORDER = STATES;

function progressShare(item) {
  return Number(item.criteria_appraised || 0) / Math.max(1, Number(item.criteria_total || 0));
}

function deadlineTime(item) {
  return item.deadline ? Date.parse(item.deadline) : Number.MAX_SAFE_INTEGER;
}

// "còn 2 ngày", "còn 5 giờ", "quá hạn 3 ngày", or a dash when the unit owes nothing now.
function timeLeft(item) {
  if (!item.deadline) return msg('queue.noDeadline');
  const ms = Date.parse(item.deadline) - Date.now();
  const hour = 3600 * 1000;
  if (ms < 0) {
    const late = msg('queue.overdueBy', {days: Math.max(1, Math.floor(-ms / (24 * hour)))});
    return item.reopened ? late + ' (' + msg('queue.reopened') + ')' : late;
  }
  if (ms < 24 * hour) return msg('queue.hoursLeft', {hours: Math.max(1, Math.floor(ms / hour))});
  return msg('queue.daysLeft', {days: Math.floor(ms / (24 * hour))});
}

function fillSelect(id, options) {
  const select = $(id);
  const kept = select.value;
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
  if (options.some(([value]) => value === kept)) select.value = kept;
}

// The filters' choices: states and blocks from the queue itself.
function fillControls() {
  const all = [['', msg('queue.all')]];
  fillSelect('queue-state', all.concat(STATE_ORDER.map((s) => [s, stateTitle(s)])));
  const blocks = [...new Set(queue.items.map((i) => i.block).filter((b) => b))];
  fillSelect('queue-block', all.concat(blocks.map((b) => [b, blockTitle(b)])));
  fillSelect('queue-flag', all.concat([
    ['overdue', msg('flag.overdue')], ['explanation_waiting', msg('flag.explanation_waiting')],
    ['changed', msg('flag.changed')], ['asked', msg('flag.asked')],
  ]));
  fillSelect('queue-sort', Object.keys(QUEUE_SORTS).map((k) => [k, msg('sort.' + k)]));
}

// Vietnamese letters without their marks, lower case: "Tiên Lữ" and "tien lu" match.
function folded(text) {
  return (text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

function shownItems() {
  const words = folded($('queue-search').value.trim()).split(/\s+/).filter((w) => w);
  const state = $('queue-state').value;
  const block = $('queue-block').value;
  const flag = $('queue-flag').value;
  const shown = queue.items.filter((item) => {
    const text = folded(item.unit + ' ' + (item.unit_name || ''));
    return words.every((w) => text.includes(w)) && (!state || item.state === state) &&
        (!block || item.block === block) && (!flag || QUEUE_FLAGS[flag](item));
  });
  return shown.sort(QUEUE_SORTS[$('queue-sort').value] || QUEUE_SORTS.code);
}

function badge(text, className) {
  return element('span', {class: 'badge ' + className}, text);
}

function renderQueue() {
  const body = document.querySelector('#board-table tbody');
  body.replaceChildren();
  const shown = shownItems();
  $('queue-shown').textContent = shown.length
    ? msg('queue.shown', {shown: shown.length, total: queue.items.length}) : msg('queue.none');
  for (const item of shown) {
    const row = body.insertRow();
    row.id = 'board-row-' + item.unit;
    cell(row, item.unit, 'v');
    cell(row, item.unit_name || '', 'v');
    cell(row, blockTitle(item.block));
    cell(row, stateTitle(item.state)).id = 'state-' + item.unit;
    const progress = cell(row, msg('queue.progress',
        {done: item.criteria_appraised || 0, total: item.criteria_total || 0}), 'number');
    progress.id = 'progress-' + item.unit;
    cell(row, timeLeft(item)).id = 'deadline-' + item.unit;
    const flags = cell(row, '');
    flags.id = 'flags-' + item.unit;
    if (item.overdue) flags.append(badge(msg('flag.overdue'), 'overdue'), ' ');
    if (item.explanation_waiting) flags.append(badge(msg('flag.explanation_waiting'), 'waiting'), ' ');
    if (item.changed_since_appraisal) flags.append(badge(msg('flag.changed'), 'changed'), ' ');
    // An index is shown once the server ranks the unit's appraised column (HasAppraisal
    // in server/policy.cc): before, the column is only the unit's own figures.
    const index = queue.index.get(item.unit);
    cell(row, index !== undefined ? formatIndex(index) : msg('queue.notAppraised'),
         'number').id = 'index-' + item.unit;
    const actions = cell(row, '');
    // Each value named by its column on a phone, where the table is a list (style.css).
    const heads = ['queue.colCode', 'queue.colUnit', 'queue.colBlock', 'queue.colState',
      'queue.colProgress', 'queue.colDeadline', 'queue.colFlags', 'queue.colIndex'];
    heads.forEach((key, i) => { row.cells[i].dataset.label = msg(key); });
    const open = element('button', {type: 'button', id: 'appraise-' + item.unit}, msg('queue.open'));
    open.setAttribute('aria-label', msg('queue.openUnit', {unit: item.unit_name || item.unit}));
    open.addEventListener('click', () => showAppraisal(item.unit, true));
    const history = element('button', {type: 'button', id: 'history-' + item.unit}, msg('queue.history'));
    history.setAttribute('aria-label', msg('queue.historyUnit', {unit: item.unit_name || item.unit}));
    history.addEventListener('click', () => showHistory(item.unit, item.unit_name));
    actions.append(open, ' ', history);
  }
}

// The counts per state, each a button that filters the queue by it.
function renderCounts(counts) {
  const box = $('queue-counts');
  box.replaceChildren();
  const chip = (state, text) => {
    const button = element('button', {type: 'button', id: 'count-' + (state || 'ALL'), class: 'chip'}, text);
    button.setAttribute('aria-pressed', String($('queue-state').value === state));
    button.addEventListener('click', () => {
      $('queue-state').value = state;
      renderCounts(counts);
      renderQueue();
    });
    box.appendChild(button);
  };
  chip('', msg('board.stateCount', {state: msg('queue.all'), n: queue.items.length}));
  for (const c of counts) chip(c.state, msg('board.stateCount', {state: stateTitle(c.state), n: c.units}));
}

// What waits for the appraiser now, each line a filter of the queue.
function renderWaiting() {
  const list = $('waiting-list');
  list.replaceChildren();
  const lines = [
    ['waiting.submitted', {state: 'STATE_SUBMITTED'}, queue.items.filter((i) => i.state === 'STATE_SUBMITTED')],
    ['waiting.explained', {flag: 'explanation_waiting'}, queue.items.filter(QUEUE_FLAGS.explanation_waiting)],
    ['waiting.changed', {flag: 'changed'}, queue.items.filter(QUEUE_FLAGS.changed)],
    ['waiting.overdue', {flag: 'overdue'}, queue.items.filter(QUEUE_FLAGS.overdue)],
  ];
  for (const [key, filter, items] of lines) {
    if (!items.length) continue;
    const link = element('button', {type: 'button', class: 'link', id: key.replace('.', '_')}, msg(key, {n: items.length}));
    link.addEventListener('click', () => {
      $('queue-state').value = filter.state || '';
      $('queue-flag').value = filter.flag || '';
      $('queue-search').value = '';
      renderCounts(queue.counts);
      renderQueue();
    });
    list.appendChild(element('li')).appendChild(link);
  }
  if (!list.children.length) list.appendChild(element('li', {}, msg('waiting.nothing')));
}

async function showBoard() {
  // The board drawn again where it stands (a second load of the same page racing the
  // first, a reload of the session) keeps an open "move on" panel while the round and
  // the phase it was opened for are still the next one's (below); coming to the board,
  // or another round picked, closes it.
  const again = !$('board').hidden;
  const load = showView('board');
  if (!again) $('advance-panel').hidden = true;
  $('board-message').textContent = '';
  await guarded('board-error', async () => {
    const round = await loadRound();
    const [work, ranking] = await Promise.all([
      call('RoundService/GetWorkQueue', {name: roundName()}),
      call('ScoreService/GetRanking', {name: roundName(), column: 'APPRAISED'}),
    ]);
    if (stale(load)) return;
    queue.round = round;
    queue.items = work.units || [];
    queue.counts = work.counts || [];
    // The server says which units the office has appraised nothing of (not_appraised,
    // its rule HasAppraisal): they have no appraised index.
    const units = ranking.units || [];
    queue.notAppraised = new Set(units.filter((u) => u.not_appraised).map((u) => u.unit));
    queue.index = new Map(units.filter((u) => !u.not_appraised)
        .map((u) => [u.unit, u.index_hundredths || 0]));
    $('board-phase').textContent = phaseTitle(round.phase);
    $('board-deadline').textContent = formatDeadline(round.self_assessment_deadline);
    $('board-explanation-deadline').textContent = formatDeadline(round.explanation_deadline);
    const next = PHASES[PHASES.indexOf(round.phase) + 1];
    $('advance').hidden = !next;
    $('advance').textContent = next ? msg('advance.title', {phase: phaseTitle(next)}) : '';
    $('advance').dataset.next = next || '';
    if ($('advance-panel').dataset.next !== $('advance').dataset.next ||
        $('advance-panel').dataset.round !== roundName()) {
      $('advance-panel').hidden = true;
    }
    $('board-summary').textContent = msg('board.summary', {n: queue.items.length,
      states: queue.counts.map((c) => msg('board.stateCount', {state: stateTitle(c.state), n: c.units}))
          .join(', ')});
    fillControls();
    renderCounts(queue.counts);
    renderWaiting();
    renderQueue();
  });
}

for (const id of ['queue-state', 'queue-block', 'queue-flag', 'queue-sort']) {
  $(id).addEventListener('change', () => {
    renderCounts(queue.counts || []);
    renderQueue();
  });
}
$('queue-search').addEventListener('input', renderQueue);

// ---- moving the round on ----

// The units not ready for `next`, each with what happens to it there.
function notReady(next) {
  const fate = (item) => {
    const s = item.state;
    const open = s === 'STATE_NOT_STARTED' || s === 'STATE_DRAFT';
    if (next === 'PHASE_APPRAISAL') return open ? 'fate.notSubmittedAppraisal' : '';
    if (next === 'PHASE_EXPLANATION') {
      return queue.notAppraised.has(item.unit) ? 'fate.notAppraised' : '';
    }
    if (next === 'PHASE_FINAL_APPRAISAL') return s === 'STATE_EXPLANATION_REQUESTED' ? 'fate.askedUnanswered' : '';
    if (next === 'PHASE_FINALISED') {
      // Finalising makes no unit appraised (HasAppraisal): these stay unranked.
      if (open) return 'fate.notSubmittedFinal';
      if (!queue.index.has(item.unit)) return 'fate.notAppraisedFinal';
      return s !== 'STATE_FINAL' ? 'fate.notFinal' : '';
    }
    return '';
  };
  return queue.items.map((item) => [item, fate(item)]).filter(([, f]) => f);
}

$('advance').addEventListener('click', () => {
  const next = $('advance').dataset.next;
  if (!next) return;
  const units = notReady(next);
  $('advance-panel-title').textContent = msg('advance.title', {phase: phaseTitle(next)});
  // What the new phase allows and no longer allows (the workflow table, README "Who may
  // do what, and when"): a round never goes back.
  const after = [];
  for (let i = 1; MESSAGES['after.' + next + '.' + i] !== undefined; ++i) {
    after.push(element('li', {}, msg('after.' + next + '.' + i, {
      selfDeadline: queue.round && queue.round.self_assessment_deadline
        ? formatTime(queue.round.self_assessment_deadline) : msg('after.noDeadline'),
      explanationDeadline: queue.round && queue.round.explanation_deadline
        ? formatTime(queue.round.explanation_deadline) : msg('after.noDeadline'),
    })));
  }
  after.push(element('li', {}, msg('after.noWayBack')));
  $('advance-after').replaceChildren(...after);
  const unranked = units.filter(([, f]) => f.endsWith('Final') && f !== 'fate.notFinal');
  $('advance-summary').textContent = (units.length
    ? msg('advance.notReady', {n: units.length}) : msg('advance.ready'));
  $('advance-unranked').hidden = !unranked.length;
  $('advance-unranked').textContent = unranked.length ? msg('advance.unranked', {
    n: unranked.length,
    notSubmitted: unranked.filter(([, f]) => f === 'fate.notSubmittedFinal').length,
    notAppraised: unranked.filter(([, f]) => f === 'fate.notAppraisedFinal').length,
  }) : '';
  const list = $('advance-units');
  list.replaceChildren(...units.map(([item, fate]) => {
    const li = element('li', {id: 'not-ready-' + item.unit});
    li.append(element('span', {'data-v': ''}, item.unit + ' ' + (item.unit_name || '')), ' ',
        msg('advance.unitFate', {state: stateTitle(item.state), fate: msg(fate)}));
    return li;
  }));
  // The deadline of the phase being left, while it has not passed: moving on ends it early.
  const round = queue.round || {};
  const due = {PHASE_SELF_ASSESSMENT: round.self_assessment_deadline,
    PHASE_EXPLANATION: round.explanation_deadline}[round.phase] || '';
  const ahead = !!due && Date.parse(due) > Date.now();
  $('advance-deadline').hidden = !ahead;
  $('advance-deadline').textContent = ahead ? msg('advance.deadlineAhead.' + round.phase,
      {deadline: formatTime(due), left: timeLeft({deadline: due})}) : '';
  // What confirming moves, and to where.
  $('advance-panel').dataset.round = roundName();
  $('advance-panel').dataset.next = next;
  $('advance-panel').hidden = false;
  // A round never goes back: Enter on the panel must not move it.
  $('advance-cancel').focus();
});

$('advance-cancel').addEventListener('click', () => {
  $('advance-panel').hidden = true;
  $('advance').focus();
});

$('advance-confirm').addEventListener('click', async () => {
  // The round and phase the panel named, even if the board was drawn again meanwhile:
  // the server refuses the phase if the round has already moved there (a round never
  // goes back).
  const {round: name, next} = $('advance-panel').dataset;
  $('advance-panel').hidden = true;
  await guarded('board-error', async () => {
    const round = await call('RoundService/GetRound', {name});
    await call('RoundService/AdvanceRound', {name, to_phase: next, etag: round.version});
    await showBoard();
    $('board-message').textContent = msg('advance.done', {phase: phaseTitle(next)});
  });
});

// ---- a unit's history ----

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : {};
  } catch (e) {
    return {};
  }
}

// A file's size, Vietnamese style: "850 byte", "12,4 KB", "3,2 MB".
function fileSize(bytes) {
  const n = Number(bytes || 0);
  const one = (x) => x.toFixed(1).replace('.', ',');
  if (n < 1024) return msg('size.bytes', {n: String(n)});
  if (n < 1024 * 1024) return msg('size.KB', {n: one(n / 1024)});
  return msg('size.MB', {n: one(n / 1024 / 1024)});
}

// Who did it, as people read it: the person's name (kept on the trail), else what the
// token acted as (a unit's, the office's, the administrator's), never its id or label.
function actorOf(event) {
  if (event.actor_name) return [event.actor_name, true];
  if (event.role === 'ward') return [msg('who.unit', {unit: event.actor_unit || ''}), false];
  return [msgOr('who.' + event.role, 'who.other'), false];
}

// An audit event as people read it: what was done, and its detail (what was typed:
// the question and its reason, the explanation, the comments; a file with its size).
function describeEvent(event) {
  const parts = event.resource.split('/');
  const code = parts[5] || '';
  const before = parseJson(event.before);
  const after = parseJson(event.after);
  if (event.action === 'assessment.state') {
    const state = (x) => stateTitle(x.state || 'STATE_NOT_STARTED');
    return [msg('history.state', {before: state(before), after: state(after)}), ''];
  }
  if (event.action === 'evidence.add') {
    const name = after.file_name || after.fileName || '';
    return [msg('history.evidence', {code}),
      name ? msg('history.file', {name, size: fileSize(after.size_bytes || after.sizeBytes)}) : ''];
  }
  if (event.action === 'evidence.delete') {
    // The file's details stay on the trail (the event's before) once it is gone.
    const name = before.file_name || before.fileName || '';
    return [msg('history.evidenceRemoved', {code}), name ? msg('history.fileRemoved',
        {name, size: fileSize(before.size_bytes || before.sizeBytes), sha: before.sha256 || ''}) : ''];
  }
  if (event.action === 'survey.import') return [msg('history.survey', {code}), ''];
  // «Đã xem giải trình» (ReviewExplanation): read, nothing changed.
  if (event.action === 'explanation.review') return [msg('history.reviewed'), ''];
  // A figure the server computed (an import of records, a unit's task progress): the
  // unit's side, whoever's action led to it.
  if (event.action === 'value.from_records' || event.action === 'value.from_tasks') {
    return [msg(event.action === 'value.from_records' ? 'history.fromRecords' : 'history.fromTasks',
        {code: labelOfElement(code)}), describeStored(before.self) + ' → ' + describeStored(after.self)];
  }
  if (parts[4] === 'dataSheet') {
    const side = event.role === 'ward' ? 'self' : 'appraised';
    const what = event.action.endsWith('.correct') ? 'history.valueCorrect' : 'history.value';
    return [msg(what, {code: labelOfElement(code)}),
      describeStored(before[side]) + ' → ' + describeStored(after[side])];
  }
  if (parts[4] === 'entries') {
    const changed = (key) => (after[key] || '') !== (before[key] || '') ? after[key] || '' : '';
    const details = [];
    // The criterion's own value on the writer's side (a judgement's score, a yes/no, a
    // date), from before to after, as the data sheet's rows show theirs.
    const side = event.role === 'ward' ? 'self' : 'appraised';
    const was = describeStored(before[side]);
    const now = describeStored(after[side]);
    if (was !== now) details.push(was + ' → ' + now);
    const request = changed('explanation_request');
    if (request) {
      const reason = after.explanation_reason && MESSAGES['reason.' + after.explanation_reason];
      details.push(reason ? msg('history.askedWhy', {reason, text: request})
        : msg('history.asked', {text: request}));
    }
    const sent = (after.explanation_sent_at || '') !== (before.explanation_sent_at || '');
    if (sent) details.push(msg('history.explanationSent', {text: after.explanation_sent || msg('value.none')}));
    else if (changed('explanation')) details.push(msg('history.explained', {text: after.explanation}));
    if (changed('comment')) details.push(msg('history.comment', {text: after.comment}));
    if (changed('appraisal_comment')) details.push(msg('history.appraisalComment', {text: after.appraisal_comment}));
    const what = event.action.endsWith('.correct') ? 'history.correct' : 'history.entry';
    return [msg(what, {code}), details.join(' · ')];
  }
  if (event.action.endsWith('.correct')) return [msg('history.correct', {code}), ''];
  return [msg('history.other', {action: event.action}), ''];
}

function labelOfElement(code) {
  const el = ((session.set || {}).elements || []).find((e) => e.code === code);
  return el && el.label ? el.label : code;
}

// Every audit event of the unit's form, oldest first.
async function formEvents(unit) {
  const events = [];
  let token = '';
  do {
    const page = await call('AuditService/ListAuditEvents', {
      filter: 'resource=' + assessmentName(unit), page_size: 1000, page_token: token,
    });
    events.push(...(page.events || []));
    token = page.next_page_token || '';
  } while (token);
  return events;
}

async function showHistory(unit, name) {
  const load = showView('history');
  $('history-title').textContent = msg('history.title', {unit: name || unit});
  const body = document.querySelector('#history-table tbody');
  body.replaceChildren();
  await guarded('history-error', async () => {
    const events = await formEvents(unit);
    if (stale(load)) return;
    events.reverse();  // the latest first
    const heads = ['history.when', 'history.who', 'history.what', 'history.detail'];
    for (const event of events) {
      const row = body.insertRow();
      const [what, detail] = describeEvent(event);
      const [who, person] = actorOf(event);
      cell(row, formatTime(event.at));
      cell(row, who, person ? 'v' : '');
      cell(row, what);
      // What was typed is data; the reason the person gave too.
      const why = event.reason ? msg('history.reason', {text: event.reason}) : '';
      cell(row, [detail, why].filter((x) => x).join(' · '), 'v');
      // On a phone each event is a block, every value under its column's name.
      heads.forEach((key, i) => { row.cells[i].dataset.label = msg(key); });
    }
    if (!events.length) cell(body.insertRow(), msg('history.none')).colSpan = 4;
  });
}

$('history-back').addEventListener('click', () => showBoard());

// ---- a ward's "waiting for me": what its office must do now, by when ----

function renderWardWaiting(round, assessment) {
  const list = $('ward-waiting-list');
  list.replaceChildren();
  const state = assessment.state;
  const due = (text) => formatDeadline(text);
  if (round.phase === 'PHASE_SELF_ASSESSMENT' &&
      (state === 'STATE_NOT_STARTED' || state === 'STATE_DRAFT')) {
    const late = round.self_assessment_deadline && !assessment.reopened &&
        Date.parse(round.self_assessment_deadline) < Date.now();
    list.appendChild(element('li', {id: 'ward-waiting-submit'},
        !round.self_assessment_deadline ? msg('ward.submitNoDeadline') :
            // "Đã hết hạn … (time)" says it has passed: the time alone, not twice.
            msg(late ? 'ward.submitLate' : 'ward.submitBy',
                {deadline: late ? formatTime(round.self_assessment_deadline) :
                    due(round.self_assessment_deadline)})));
  }
  if (round.phase === 'PHASE_EXPLANATION' && state === 'STATE_EXPLANATION_REQUESTED') {
    const asked = (assessment.entries || []).filter((e) => e.explanation_request);
    const item = element('li', {id: 'ward-waiting-explain'},
        round.explanation_deadline ?
            msg('ward.explainBy', {n: asked.length, deadline: due(round.explanation_deadline)}) :
            msg('ward.explainNoDeadline', {n: asked.length}));
    const criteria = element('ul');
    for (const e of asked) {
      const why = e.explanation_reason && MESSAGES['reason.' + e.explanation_reason];
      const link = element('button', {type: 'button', class: 'link', id: 'ward-waiting-' + e.criterion},
          msg('ward.explainCriterion', {code: e.criterion, reason: why ? ' (' + why + ')' : '',
            text: e.explanation_request}));
      link.addEventListener('click', () => {
        const input = $('explain-' + e.criterion);
        if (input) {
          input.scrollIntoView({block: 'center'});
          input.focus();
        }
      });
      criteria.appendChild(element('li')).appendChild(link);
    }
    item.appendChild(criteria);
    list.appendChild(item);
  }
  if (!list.children.length) list.appendChild(element('li', {}, msg('waiting.nothing')));
}

// ---- what the unit changed since its previous submission (from the audit trail) ----

// A data element's value or an entry's own value as people read it.
function describeStored(v) {
  if (!v || !Object.keys(v).length) return msg('value.none');
  if (v.not_issued) return msg('value.notIssued');
  if (v.count !== undefined) return groupThousands(String(v.count));
  if (v.milli !== undefined) return formatMilliShort(Number(v.milli));
  if (v.score_milli !== undefined) return formatMilli(Number(v.score_milli));
  if (v.yes !== undefined || v.done !== undefined) {
    return (v.yes !== undefined ? v.yes : v.done) ? msg('value.yes') : msg('value.no');
  }
  const date = v.date || v.issued;
  if (date) return formatDate(date);
  return msg('value.none');
}

// The ward's changes between its last two submissions (a submission or an
// explanation), each resource from its first `before` to its last `after`.
function wardChanges(events) {
  const sent = events.filter((e) => e.role === 'ward' && e.action === 'assessment.state');
  if (sent.length < 2) return {sent, lines: []};
  const from = Number(sent[sent.length - 2].id);
  const to = Number(sent[sent.length - 1].id);
  const byResource = new Map();
  for (const e of events) {
    const id = Number(e.id);
    if (e.role !== 'ward' || id <= from || id >= to || e.action === 'assessment.state') continue;
    const seen = byResource.get(e.resource);
    if (seen) seen.after = parseJson(e.after);
    else byResource.set(e.resource, {event: e, before: parseJson(e.before), after: parseJson(e.after)});
  }
  const lines = [];
  for (const [resource, {event, before, after}] of byResource) {
    const parts = resource.split('/');
    const code = parts[5] || '';
    if (parts[4] === 'dataSheet') {
      const was = describeStored(before.self);
      const now = describeStored(after.self);
      // The label is data (data-v), the change the page's words.
      if (was !== now) lines.push([labelOfElement(code), msg('change.value', {before: was, after: now})]);
    } else if (parts[4] === 'entries' && parts[6] === 'evidence') {
      // A file's first before and last after: added (none before), removed (none
      // after), or added and removed again between the two submissions (no line).
      if (after.file_name) lines.push(msg('change.file', {code, name: after.file_name}));
      else if (before.file_name) lines.push(msg('change.fileRemoved', {code, name: before.file_name}));
    } else if (parts[4] === 'entries' && event.action !== 'evidence.add') {
      const was = describeStored(before.self);
      const now = describeStored(after.self);
      if (was !== now) lines.push(msg('change.self', {code, before: was, after: now}));
      if ((before.comment || '') !== (after.comment || '')) {
        lines.push(msg('change.comment', {code, before: before.comment || msg('value.none'),
          after: after.comment || msg('value.none')}));
      }
      if (after.explanation && after.explanation !== (before.explanation || '')) {
        lines.push(msg('change.explanation', {code, text: after.explanation}));
      }
    }
  }
  return {sent, lines};
}

async function renderChanges(unit) {
  const list = $('appraisal-changes-list');
  list.replaceChildren();
  const {sent, lines} = wardChanges(await formEvents(unit));
  const summary = $('appraisal-changes-summary');
  if (sent.length === 0) summary.textContent = msg('changes.notSubmitted');
  else if (sent.length === 1) summary.textContent = msg('changes.first');
  else if (!lines.length) summary.textContent = msg('changes.none');
  else {
    summary.textContent = msg('changes.between', {
      from: formatTime(sent[sent.length - 2].at), to: formatTime(sent[sent.length - 1].at),
      n: lines.length,
    });
  }
  for (const line of lines) {
    const item = list.appendChild(element('li'));
    if (typeof line === 'string') item.textContent = line;
    else item.append(element('span', {'data-v': ''}, line[0]), line[1]);
  }
}
