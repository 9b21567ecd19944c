// Plan tasks (README: "Plan tasks"): the tasks of the round's plans with their status
// (TaskService/ListTasks); a ward reports its progress on its own (ReportTaskProgress,
// with the assignment's etag), the office assigns tasks to units (AssignTask) and reads
// the quarterly report (GetTaskReport). A figure computed from tasks says so on the
// form (tasksFigure, called by assess.js). Words from messages.js.
'use strict';

const TASK_STATES = ['TASK_NOT_STARTED', 'TASK_IN_PROGRESS', 'TASK_DONE'];

function taskName(n) { return n.split('/').pop(); }

// "2023-05-09" (a date input's value) as a Date message; null when empty.
function dayOf(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  return m ? {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])} : null;
}

// The provenance of a value computed from tasks on the form, read-only for the ward.
function tasksFigure(wrap, prefix, el, dv) {
  const from = dv && dv.self && dv.self.from_tasks;
  if (!from) return;
  computedFigureNote(wrap, prefix, el, 'tasks', msg('tasks.from', {
    done: String(from.done_on_time || 0), due: String(from.due || 0),
    end: formatDate(dayOf(from.period_end)),
  }), msg('tasks.readOnly'));
}

async function showTasks() {
  const load = showView('tasks');
  const ward = session.caller.role === 'ROLE_WARD';
  $('tasks-assign').hidden = ward;
  showText('tasks-message', '');
  await guarded('tasks-error', async () => {
    const list = await call('TaskService/ListTasks', {
      parent: roundName(), only_overdue: $('tasks-overdue').checked, page_size: 10000,
    });
    if (stale(load)) return;
    showText('tasks-as-of', msg('tasks.asOf', {day: formatDate(list.as_of)}));
    const body = $('tasks-table').querySelector('tbody');
    body.replaceChildren();
    const tasks = list.tasks || [];
    if (!tasks.length) {
      const row = body.insertRow();
      cell(row, msg('tasks.empty')).colSpan = 6;
    }
    const choices = new Map();
    for (const t of tasks) {
      body.appendChild(taskRow(t, ward));
      choices.set(t.task, t.number + '. ' + t.text);
    }
    fillSelect('tasks-assign-task', [...choices].map(([value, text]) => [value, text]));
  });
}

function taskRow(t, ward) {
  const row = document.createElement('tr');
  const a = t.assignment || {};
  cell(row, t.number, 'v');
  cell(row, t.text, 'v');
  const due = cell(row, t.due_text || '', 'v');
  if (t.due_end) due.append(element('br'), element('span', {class: 'v', 'data-v': ''}, formatDate(t.due_end)));
  else due.append(element('br'), msg('tasks.noDue'));
  const unit = cell(row, '');
  if (a.unit) {
    unit.append(element('span', {'data-v': ''}, a.unit), ' (',
        msg(a.role === 'TASK_LEAD' ? 'tasks.lead' : 'tasks.coordinating'), ')');
  } else {
    unit.textContent = msg('tasks.unassigned');
  }
  const state = cell(row, a.unit ? msgOr('taskState.' + (a.state || 'TASK_NOT_STARTED'), 'state.other') : '');
  if (a.state === 'TASK_DONE') state.append(' ', msg('tasks.doneOn', {day: formatDate(a.done_on)}));
  if (t.overdue) state.append(' ', element('strong', {class: 'overdue'}, msg('tasks.overdue')));
  if (t.done_late) state.append(' ', element('strong', {class: 'late'}, msg('tasks.late')));
  if (t.overdue) row.className = 'overdue';
  const action = cell(row, '');
  if (ward && a.unit) action.append(progressForm(t, a));
  return row;
}

// The ward's progress on one task: state, day done, evidence, and «Lưu tiến độ».
function progressForm(t, a) {
  const id = 'task-' + taskName(t.task) + '-' + a.unit;
  const box = element('div', {class: 'task-progress'});
  const state = element('select', {id: id + '-state'});
  for (const s of TASK_STATES) state.add(new Option(msg('taskState.' + s), s));
  state.value = a.state || 'TASK_NOT_STARTED';
  const day = element('input', {id: id + '-done', type: 'date'});
  day.value = inputDate(a.done_on);
  const evidence = element('input', {id: id + '-evidence', autocomplete: 'off'});
  evidence.value = a.evidence || '';
  const save = element('button', {type: 'button', id: id + '-save'}, msg('tasks.save'));
  save.addEventListener('click', () => guarded('tasks-error', async () => {
    const done = state.value === 'TASK_DONE' ? dayOf(day.value) : null;
    await call('TaskService/ReportTaskProgress', {
      name: t.task, unit: a.unit, state: state.value, etag: a.version,
      evidence: evidence.value.trim(), note: a.note || '', ...(done ? {done_on: done} : {}),
    });
    await showTasks();
    showText('tasks-message', msg('tasks.saved', {number: t.number}));
  }));
  box.append(
      element('label', {for: id + '-state'}, msg('tasks.state')), state,
      element('label', {for: id + '-done'}, msg('tasks.doneDate')), day,
      element('label', {for: id + '-evidence'}, msg('tasks.evidence')), evidence, save);
  return box;
}

function unitCodes(value) {
  return value.split(',').map((c) => c.trim()).filter((c) => c);
}

$('tasks-assign-button').addEventListener('click', () => guarded('tasks-error', async () => {
  const units = unitCodes($('tasks-assign-lead').value).map((unit) => ({unit, role: 'TASK_LEAD'}))
      .concat(unitCodes($('tasks-assign-coordinating').value)
          .map((unit) => ({unit, role: 'TASK_COORDINATING'})));
  const task = $('tasks-assign-task').value;
  await call('TaskService/AssignTask', {name: task, units});
  await showTasks();
  showText('tasks-message', msg('tasks.assigned', {number: taskName(task)}));
}));

$('tasks-report-show').addEventListener('click', () => guarded('tasks-error', async () => {
  const report = await call('TaskService/GetTaskReport', {
    parent: roundName(), quarter: Number($('tasks-quarter').value),
  });
  showText('tasks-report-period', msg('tasks.reportPeriod', {
    from: formatDate(report.period_start), to: formatDate(report.report_date),
  }));
  const body = $('tasks-report-table').querySelector('tbody');
  body.replaceChildren();
  for (const u of report.units || []) {
    const row = body.insertRow();
    cell(row, u.unit + ' – ' + (u.name || ''), 'v');
    for (const n of [u.assigned, u.due, u.done_on_time, u.done_late, u.open]) cell(row, String(n || 0));
    cell(row, (u.overdue || []).map((t) => t.number).join(', '), 'v');
  }
  $('tasks-report-table').hidden = false;
}));

$('tasks-overdue').addEventListener('change', showTasks);
$('show-tasks').addEventListener('click', () => { if (leaveView()) showTasks(); });
