// The ward office's self-assessment form and the Home Affairs office's status board and
// criterion-by-criterion appraisal. Both forms are built from the round's criteria set:
// each leaf criterion gets the inputs its rule reads, and every change is scored live by
// ScoreService.PreviewScore (nothing stored) until the user saves.
'use strict';

const FIGURE_SHAPES = ['bands', 'inverse', 'linear', 'target', 'count', 'adjustment'];
const STATUS_TITLES = {NOT_APPLICABLE: 'Không áp dụng', NOT_REPORTED: 'Chưa báo cáo'};

function element(tag, attributes, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function shapeOf(criterion) { return Object.keys(criterion.rule || {})[0] || ''; }

// The figures a leaf reads, each with its part of the indicator: [{name, part}].
function figuresOf(criterion) {
  const shape = shapeOf(criterion);
  if (!FIGURE_SHAPES.includes(shape)) return [];
  const id = criterion.rule[shape].indicator;
  const indicator = (session.set.indicators || []).find((i) => i.id === id) || {};
  const denominator = indicator.denominator || [];
  const part = denominator.length ? 'Tử số' : 'Số lượng';
  return (indicator.numerator || []).map((name) => ({name, part}))
      .concat(denominator.map((name) => ({name, part: 'Mẫu số'})));
}

function leaves(criteria, out) {
  for (const c of criteria || []) {
    if ((c.criteria || []).length) leaves(c.criteria, out);
    else out.push(c);
  }
  return out;
}

// Engine text shown in Vietnamese: the decimal comma and the target's source.
function localise(text) {
  return (text || '')
      .replace(/(\d)\.(\d)/g, '$1,$2')
      .replace(/plan target for (\w+)/g, (m, kind) => 'chỉ tiêu kế hoạch, ' + kindTitle(kind))
      .replace(/^band /, 'mức ')
      .replace(/^before /, 'trước ngày ')
      .replace(/^by /, 'đến ngày ');
}

function kindTitle(kind) {
  return {ward: 'phường', commune: 'xã', township: 'thị trấn', city: 'thành phố',
    town: 'thị xã', district: 'huyện'}[kind] || kind;
}

function formatBytes(n) {
  const v = Number(n || 0);
  if (v < 1024) return v + ' B';
  if (v < 1024 * 1024) return (v / 1024).toFixed(1).replace('.', ',') + ' KB';
  return (v / 1024 / 1024).toFixed(1).replace('.', ',') + ' MB';
}

// The values one side gives for a criterion, as text: "resolved_on_time = 412, …".
function describeValues(criterion, values) {
  if (!values) return 'Chưa nhập';
  const shape = shapeOf(criterion);
  if (shape === 'boolean') return values.done === undefined ? 'Chưa nhập' : values.done ? 'Có' : 'Không';
  if (shape === 'deadline') {
    const d = values.issued;
    return d ? 'Ban hành ngày ' + String(d.day).padStart(2, '0') + '/' +
        String(d.month).padStart(2, '0') + '/' + d.year : 'Chưa ban hành';
  }
  if (shape === 'judgement') {
    return values.score_milli === undefined ? 'Chưa chấm' : formatMilli(values.score_milli) + ' điểm';
  }
  if (shape === 'survey') {
    const s = values.survey;
    if (!s) return 'Chưa có kết quả khảo sát';
    if (s.percent_milli !== undefined) return formatMilli(s.percent_milli) + '%';
    return 'A ' + (s.a || 0) + ', B ' + (s.b || 0) + ', C ' + (s.c || 0) + ', D ' + (s.d || 0);
  }
  const figures = values.figures || {};
  const shown = figuresOf(criterion).filter((f) => figures[f.name] !== undefined)
      .map((f) => f.name + ' = ' + figures[f.name]);
  return shown.length ? shown.join('; ') : 'Chưa nhập';
}

// ---- the inputs of one criterion (shared by the ward's form and the appraisal) ----

// Inputs for `criterion` with ids "<prefix>-<code>-<field>", filled from `values`.
function valueInputs(prefix, criterion, values, editable, onChange) {
  const box = element('div', {class: 'inputs'});
  const code = criterion.code;
  const errorId = prefix + '-err-' + code;
  const add = (label, input) => {
    const wrap = element('div', {class: 'field'});
    input.id = prefix + '-' + code + '-' + label.field;
    input.disabled = !editable;
    input.setAttribute('aria-describedby', errorId);
    input.addEventListener('input', onChange);
    const l = element('label', {for: input.id});
    l.append(label.part ? label.part + ' ' : '');
    if (label.name) l.append(element('code', {}, label.name));
    wrap.append(l, input);
    box.appendChild(wrap);
  };
  const shape = shapeOf(criterion);
  values = values || {};
  if (shape === 'boolean') {
    const select = element('select');
    select.add(new Option('—', ''));
    select.add(new Option('Có', 'true'));
    select.add(new Option('Không', 'false'));
    select.value = values.done === undefined ? '' : String(values.done);
    add({field: 'done', part: 'Đã thực hiện'}, select);
  } else if (shape === 'deadline') {
    const d = values.issued;
    const input = element('input', {type: 'date'});
    if (d) input.value = d.year + '-' + String(d.month).padStart(2, '0') + '-' + String(d.day).padStart(2, '0');
    add({field: 'issued', part: 'Ngày ban hành'}, input);
  } else if (shape === 'judgement') {
    const input = element('input', {type: 'number', step: '0.01', min: '0',
      max: String(Number(criterion.max_milli || 0) / 1000)});
    if (values.score_milli !== undefined) input.value = String(Number(values.score_milli) / 1000);
    add({field: 'score', part: 'Điểm chấm'}, input);
  } else if (shape === 'survey') {
    box.append(element('p', {class: 'note'},
        describeValues(criterion, values) + ' (Phòng Nội vụ nhập từ khảo sát)'));
  } else {
    for (const f of figuresOf(criterion)) {
      const input = element('input', {type: 'number', step: '1', inputmode: 'numeric'});
      const v = (values.figures || {})[f.name];
      if (v !== undefined) input.value = String(v);
      add({field: f.name, part: f.part, name: f.name}, input);
    }
  }
  box.appendChild(element('p', {id: errorId, class: 'error field-error', 'aria-live': 'polite'}));
  return box;
}

// The values typed for `criterion`, as EntryValues JSON; null for a survey.
function readValues(prefix, criterion) {
  const input = (field) => $(prefix + '-' + criterion.code + '-' + field);
  const shape = shapeOf(criterion);
  if (shape === 'survey') return null;
  if (shape === 'boolean') {
    const v = input('done').value;
    return v === '' ? {} : {done: v === 'true'};
  }
  if (shape === 'deadline') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input('issued').value);
    return m ? {issued: {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])}} : {};
  }
  if (shape === 'judgement') {
    const v = input('score').value.trim().replace(',', '.');
    return v === '' ? {} : {score_milli: String(Math.round(Number(v) * 1000))};
  }
  const figures = {};
  for (const f of figuresOf(criterion)) {
    const v = input(f.name).value.trim();
    if (v !== '') figures[f.name] = v;  // int64 as a string: the server checks it
  }
  return {figures};
}

// The engine's refusals of a value the form can send, in Vietnamese; anything else is
// shown as the server said it.
const FIELD_MESSAGES = [
  [/^negative count \((-?\d+)\)$/, 'số liệu không được âm ($1)'],
  [/^count too large \((\d+)\)$/, 'số quá lớn ($1)'],
  [/^(\d+) exceeds (\w+) \((\d+)\)$/, '$1 lớn hơn $2 ($3)'],
  [/^numerator .* \((\d+)\) exceeds denominator (\w+) \((\d+)\)$/,
    'tổng tử số ($1) lớn hơn mẫu số $2 ($3)'],
  [/^not a valid date$/, 'ngày không hợp lệ'],
  [/^([\d.]+) is outside 0\.\.([\d.]+) for criterion .*$/, 'điểm $1 nằm ngoài khoảng 0 – $2'],
];

function fieldMessage(text) {
  for (const [pattern, vietnamese] of FIELD_MESSAGES) {
    if (pattern.test(text)) return localise(text.replace(pattern, vietnamese));
  }
  return text;
}

// Shows a server error such as "updates[1].entry.self.figures.resolved: negative count"
// next to the field it names, in Vietnamese (the server's words in its title);
// `codes` are the criteria of the request, in order. Answers false when the error names
// no field of this form.
function showFieldError(prefix, codes, error) {
  const m = /^(?:entries|updates)\[(\d+)\](?:\.entry)?\.(?:self|appraised|explanation)\.?([\w.]*): (.*)$/
      .exec(error.message || '');
  if (!m || codes[Number(m[1])] === undefined) return false;
  const code = codes[Number(m[1])];
  const field = m[2].replace(/^figures\./, '');
  const target = $(prefix + '-err-' + code);
  if (!target) return false;
  target.textContent = (field ? field + ': ' : '') + fieldMessage(m[3]);
  target.title = error.message;
  const input = $(prefix + '-' + code + '-' + field);
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

function clearFieldErrors(prefix) {
  for (const e of document.querySelectorAll('.field-error')) {
    if (e.id.startsWith(prefix + '-err-')) e.textContent = '';
  }
  for (const e of document.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

// Writes one criterion's score into the cells "<prefix>-value|target|points-<code>".
function showCriterionScore(prefix, c) {
  const set = (kind, text) => {
    const e = $(prefix + '-' + kind + '-' + c.code);
    if (e) e.textContent = text;
  };
  const trace = c.trace || {};
  set('value', localise(trace.value_text));
  set('target', localise(trace.applied));
  const status = STATUS_TITLES[c.status];
  set('points', (status ? status + ': ' : '') + formatMilli(c.points_milli) + ' / ' +
      formatMilli(c.applicable_max_milli));
  const row = $(prefix + '-row-' + c.code);
  if (row) row.title = localise(trace.reason);
}

function totalText(score) {
  return formatIndex(score.index_hundredths) + ' (' + formatMilli(score.achieved_milli) +
      ' / ' + formatMilli(score.applicable_max_milli) + ' điểm)';
}

// One table per area: group rows for criteria with sub-criteria, and `leafRow` for each
// leaf, appended to `container`.
function renderAreas(container, prefix, headers, leafRow) {
  container.replaceChildren();
  for (const area of session.set.areas || []) {
    const section = element('section', {class: 'area'});
    section.appendChild(element('h3', {}, area.code + '. ' + area.title + ' (' +
        formatMilli(area.max_milli) + ' điểm)'));
    const table = element('table', {class: 'criteria'});
    const head = table.createTHead().insertRow();
    for (const h of headers) head.appendChild(element('th', {}, h));
    const body = table.createTBody();
    const walk = (criteria, depth) => {
      for (const c of criteria || []) {
        if ((c.criteria || []).length) {
          const row = body.insertRow();
          row.className = 'group';
          cell(row, c.code);
          const title = cell(row, c.title + ' (' + formatMilli(c.max_milli) + ')');
          title.colSpan = headers.length - 2;
          cell(row, '', 'number').id = prefix + '-points-' + c.code;
          walk(c.criteria, depth + 1);
        } else {
          const row = body.insertRow();
          row.id = prefix + '-row-' + c.code;
          leafRow(row, c);
        }
      }
    };
    walk(area.criteria, 0);
    section.appendChild(table);
    container.appendChild(section);
  }
}

// A live preview: `entries()` are laid over the stored form and scored; the newest
// answer wins. Errors go next to their field.
function previewer(prefix, column, entries, onScore, errorId) {
  let timer = 0;
  let sequence = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++sequence;
      const list = entries();
      try {
        const score = await call('ScoreService/PreviewScore', {
          parent: assessmentName(form.unit), entries: list, column,
        });
        if (mine !== sequence) return;
        clearFieldErrors(prefix);
        $(errorId).textContent = '';
        onScore(score);
      } catch (e) {
        if (mine !== sequence) return;
        clearFieldErrors(prefix);
        if (!showFieldError(prefix, list.map((x) => x.criterion), e)) $(errorId).textContent = e.message;
      }
    }, 250);
  };
}

// ---- shared state of the open form (the ward's or the appraiser's) ----

const form = {unit: '', assessment: null, entries: new Map(), dirty: new Set(), criteria: new Map()};

async function openAssessment(unit) {
  form.unit = unit;
  form.dirty = new Set();
  form.assessment = await call('AssessmentService/GetAssessment', {name: assessmentName(unit)});
  form.entries = new Map((form.assessment.entries || []).map((e) => [e.criterion, e]));
  form.criteria = new Map(leaves((session.set.areas || []).flatMap((a) => a.criteria || []), [])
      .map((c) => [c.code, c]));
}

// Each changed criterion's stored entry with `side` ("self" or "appraised") replaced by
// what is typed.
function changedEntries(prefix, side) {
  return [...form.dirty].map((code) => {
    const entry = Object.assign({}, form.entries.get(code) || {}, {criterion: code});
    delete entry.version;
    delete entry.updated_at;
    delete entry.updated_by;
    entry[side] = readValues(prefix, form.criteria.get(code));
    return entry;
  });
}

// Stores the changed criteria (fields `mask` of each entry); errors go next to fields.
async function saveChanged(prefix, entries, mask, errorId) {
  if (!entries.length) return true;
  const codes = entries.map((e) => e.criterion);
  try {
    const answer = await call('AssessmentService/BatchUpdateEntries', {
      parent: assessmentName(form.unit),
      updates: entries.map((entry) => ({
        entry, update_mask: mask, etag: String((form.entries.get(entry.criterion) || {}).version || 0),
      })),
    });
    for (const e of answer.entries || []) form.entries.set(e.criterion, e);
    form.dirty.clear();
    clearFieldErrors(prefix);
    return true;
  } catch (e) {
    clearFieldErrors(prefix);
    if (!showFieldError(prefix, codes, e)) $(errorId).textContent = e.message;
    return false;
  }
}

// The entry's evidence: uploaded files as download links, references as text.
function evidenceList(entry, errorId) {
  const list = element('ul', {class: 'evidence'});
  for (const ev of (entry || {}).evidence || []) {
    const item = element('li');
    if (Number(ev.id || 0) > 0) {
      const url = '/v1/' + assessmentName(form.unit) + '/evidence/' + ev.id;
      const link = element('a', {href: url}, ev.file_name);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        downloadFile(url, ev.file_name, errorId);
      });
      item.append(link, ' (' + formatBytes(ev.size_bytes) + ')');
    } else {
      item.textContent = [ev.document_type, ev.number, ev.summary].filter((x) => x).join(' – ');
    }
    list.appendChild(item);
  }
  return list;
}

async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// ---- the ward office's form ----

async function showForm() {
  showView('form');
  $('form-message').textContent = '';
  await guarded('form-error', async () => {
    const round = await loadRound();
    await openAssessment(session.caller.unit);
    const score = await call('ScoreService/GetUnitScore', {
      name: assessmentName(form.unit), column: 'SELF',
    });
    const state = form.assessment.state;
    const editable = round.phase === 'PHASE_SELF_ASSESSMENT' &&
        (state === 'STATE_NOT_STARTED' || state === 'STATE_DRAFT');
    const explaining = round.phase === 'PHASE_EXPLANATION' && state === 'STATE_EXPLANATION_REQUESTED';
    $('form-title').textContent = 'Tự đánh giá – ' + score.unit_name;
    $('form-phase').textContent = PHASE_TITLES[round.phase] || round.phase;
    $('form-state').textContent = STATE_TITLES[state] || state;
    $('form-deadline').textContent = formatDeadline(round.self_assessment_deadline);
    $('form-explanation-deadline').textContent = formatDeadline(round.explanation_deadline);
    $('form-total').textContent = totalText(score);
    $('save').hidden = !editable;
    $('submit').hidden = !editable;
    $('submit-explanation').hidden = !explaining;
    const preview = previewer('w', 'SELF', () => changedEntries('w', 'self'), (s) => {
      for (const c of s.criteria || []) showCriterionScore('w', c);
      $('form-total').textContent = totalText(s);
    }, 'form-error');
    const headers = ['Mã', 'Tiêu chí', 'Số liệu', 'Kết quả', 'Chỉ tiêu, mức áp dụng',
      'Điểm', 'Tài liệu kiểm chứng'];
    renderAreas($('form-areas'), 'w', headers, (row, c) => {
      const entry = form.entries.get(c.code);
      cell(row, c.code);
      cell(row, c.title).title = c.guidance || '';
      const inputs = cell(row, '');
      inputs.appendChild(valueInputs('w', c, (entry || {}).self, editable && shapeOf(c) !== 'survey',
          () => { form.dirty.add(c.code); preview(); }));
      if (entry && entry.explanation_request) {
        inputs.appendChild(element('p', {class: 'request'}, 'Yêu cầu giải trình: ' + entry.explanation_request));
        const label = element('label', {for: 'explain-' + c.code}, 'Giải trình');
        const text = element('textarea', {id: 'explain-' + c.code, rows: '3'});
        text.value = entry.explanation || '';
        text.disabled = !explaining;
        inputs.append(label, text);
      }
      cell(row, '', 'number').id = 'w-value-' + c.code;
      cell(row, '').id = 'w-target-' + c.code;
      cell(row, '', 'number').id = 'w-points-' + c.code;
      const evidence = cell(row, '');
      evidence.id = 'w-evidence-' + c.code;
      const required = (c.evidence || []).map((e) => e.document_type).join('; ');
      if (required) evidence.appendChild(element('p', {class: 'note'}, required));
      evidence.appendChild(evidenceList(entry, 'form-error'));
      if (editable && shapeOf(c) !== 'survey') {
        const upload = element('input', {type: 'file', id: 'upload-' + c.code,
          'aria-label': 'Tải tài liệu kiểm chứng cho ' + c.code});
        upload.addEventListener('change', () => uploadEvidence(c, upload));
        evidence.appendChild(upload);
      }
    });
    for (const c of score.criteria || []) showCriterionScore('w', c);
  });
}

async function uploadEvidence(criterion, input) {
  const file = input.files[0];
  if (!file) return;
  await guarded('form-error', async () => {
    const stored = await call('AssessmentService/UploadEvidence', {
      parent: assessmentName(form.unit),
      criterion: criterion.code,
      evidence: {file_name: file.name, document_type: ((criterion.evidence || [])[0] || {}).document_type || ''},
      content: await fileBase64(file),
    });
    const entry = form.entries.get(criterion.code) || {criterion: criterion.code};
    entry.evidence = (entry.evidence || []).concat([stored]);
    form.entries.set(criterion.code, entry);
    $('w-evidence-' + criterion.code).querySelector('ul').replaceWith(evidenceList(entry, 'form-error'));
    input.value = '';
    $('form-message').textContent = 'Đã tải lên ' + stored.file_name + ' cho tiêu chí ' + criterion.code;
  });
}

$('save').addEventListener('click', async () => {
  $('form-error').textContent = '';
  const n = form.dirty.size;
  if (await saveChanged('w', changedEntries('w', 'self'), 'self', 'form-error')) {
    $('form-message').textContent = 'Đã lưu ' + n + ' tiêu chí';
  }
});

$('submit').addEventListener('click', async () => {
  $('form-error').textContent = '';
  if (!await saveChanged('w', changedEntries('w', 'self'), 'self', 'form-error')) return;
  await guarded('form-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitAssessment', {name: assessmentName(form.unit), etag: a.version});
    await showForm();
    $('form-message').textContent = 'Đã nộp tự đánh giá';
  });
});

$('submit-explanation').addEventListener('click', async () => {
  $('form-error').textContent = '';
  const entries = [...form.entries.values()].filter((e) => e.explanation_request).map((e) => ({
    criterion: e.criterion, explanation: $('explain-' + e.criterion).value,
  }));
  form.dirty = new Set(entries.map((e) => e.criterion));
  if (!await saveChanged('w', entries, 'explanation', 'form-error')) return;
  await guarded('form-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitExplanation', {name: assessmentName(form.unit), etag: a.version});
    await showForm();
    $('form-message').textContent = 'Đã gửi giải trình';
  });
});

// ---- the office's status board ----

async function showBoard() {
  showView('board');
  await guarded('board-error', async () => {
    const round = await loadRound();
    const [list, ranking] = await Promise.all([
      call('RoundService/ListAssessments', {parent: roundName()}),
      call('ScoreService/GetRanking', {name: roundName(), column: 'APPRAISED'}),
    ]);
    const units = new Map((ranking.units || []).map((u) => [u.unit, u]));
    $('board-phase').textContent = PHASE_TITLES[round.phase] || round.phase;
    $('board-deadline').textContent = formatDeadline(round.self_assessment_deadline);
    const next = PHASES[PHASES.indexOf(round.phase) + 1];
    $('advance').hidden = !next;
    $('advance').textContent = next ? 'Chuyển sang giai đoạn: ' + PHASE_TITLES[next] : '';
    $('advance').dataset.next = next || '';
    const counts = new Map();
    for (const a of list.assessments || []) counts.set(a.state, (counts.get(a.state) || 0) + 1);
    $('board-summary').textContent = (list.assessments || []).length + ' (' +
        Object.keys(STATE_TITLES).filter((s) => counts.has(s))
            .map((s) => STATE_TITLES[s] + ': ' + counts.get(s)).join(', ') + ')';
    const body = document.querySelector('#board-table tbody');
    body.replaceChildren();
    for (const a of list.assessments || []) {
      const unit = units.get(a.unit) || {};
      const row = body.insertRow();
      row.id = 'board-row-' + a.unit;
      cell(row, a.unit);
      cell(row, unit.unit_name || '');
      cell(row, BLOCK_TITLES[unit.block] || unit.block || '');
      cell(row, STATE_TITLES[a.state] || a.state).id = 'state-' + a.unit;
      cell(row, formatIndex(unit.index_hundredths), 'number');
      const open = element('button', {type: 'button', id: 'appraise-' + a.unit}, 'Thẩm định');
      open.addEventListener('click', () => showAppraisal(a.unit));
      cell(row, '').appendChild(open);
    }
  });
}

$('advance').addEventListener('click', async () => {
  const next = $('advance').dataset.next;
  if (!next || !confirm('Chuyển kỳ đánh giá sang giai đoạn "' + PHASE_TITLES[next] + '"?')) return;
  await guarded('board-error', async () => {
    const round = await call('RoundService/GetRound', {name: roundName()});
    await call('RoundService/AdvanceRound', {name: roundName(), to_phase: next, etag: round.version});
    await showBoard();
    $('board-message').textContent = 'Kỳ đánh giá đã chuyển sang giai đoạn ' + PHASE_TITLES[next];
  });
});

// ---- criterion-by-criterion appraisal ----

async function showAppraisal(unit) {
  showView('appraisal');
  $('appraisal-message').textContent = '';
  await guarded('appraisal-error', async () => {
    const round = await loadRound();
    await openAssessment(unit);
    const [self, appraised] = await Promise.all(['SELF', 'APPRAISED'].map((column) =>
      call('ScoreService/GetUnitScore', {name: assessmentName(unit), column})));
    const state = form.assessment.state;
    const editable = ['PHASE_APPRAISAL', 'PHASE_EXPLANATION', 'PHASE_FINAL_APPRAISAL']
        .includes(round.phase) && state !== 'STATE_FINAL';
    const asking = round.phase === 'PHASE_APPRAISAL' && editable;
    $('appraisal-title').textContent = 'Thẩm định – ' + appraised.unit_name;
    $('appraisal-state').textContent = STATE_TITLES[state] || state;
    $('appraisal-self-total').textContent = totalText(self);
    $('appraisal-total').textContent = totalText(appraised);
    $('save-appraisal').hidden = !editable;
    $('request-explanation').hidden = !asking;
    $('finalise').hidden = !(round.phase === 'PHASE_FINAL_APPRAISAL' && state !== 'STATE_FINAL');
    const selfPoints = new Map((self.criteria || []).map((c) => [c.code, c]));
    const preview = previewer('a', 'APPRAISED', () => changedEntries('a', 'appraised'), (s) => {
      for (const c of s.criteria || []) showCriterionScore('a', c);
      $('appraisal-total').textContent = totalText(s);
    }, 'appraisal-error');
    const headers = ['Mã', 'Tiêu chí', 'Đơn vị tự đánh giá', 'Thẩm định', 'Kết quả',
      'Chỉ tiêu, mức áp dụng', 'Điểm thẩm định', 'Giải trình'];
    renderAreas($('appraisal-areas'), 'a', headers, (row, c) => {
      const entry = form.entries.get(c.code) || {};
      cell(row, c.code);
      cell(row, c.title).title = c.guidance || '';
      const ward = cell(row, describeValues(c, entry.self));
      ward.id = 'self-' + c.code;
      const sp = selfPoints.get(c.code);
      if (sp) ward.appendChild(element('p', {class: 'note'}, 'Tự chấm: ' + formatMilli(sp.points_milli)));
      if (entry.comment) ward.appendChild(element('p', {class: 'note'}, entry.comment));
      ward.appendChild(evidenceList(entry, 'appraisal-error'));
      const inputs = cell(row, '');
      const survey = shapeOf(c) === 'survey';
      inputs.appendChild(valueInputs('a', c, entry.appraised || entry.self, editable && !survey,
          () => { form.dirty.add(c.code); preview(); }));
      if (!survey) {
        const comment = element('input', {type: 'text', id: 'comment-' + c.code,
          'aria-label': 'Nhận xét thẩm định ' + c.code, placeholder: 'Nhận xét'});
        comment.value = entry.appraisal_comment || '';
        comment.disabled = !editable;
        comment.addEventListener('input', () => form.dirty.add(c.code));
        inputs.appendChild(comment);
      }
      cell(row, '', 'number').id = 'a-value-' + c.code;
      cell(row, '').id = 'a-target-' + c.code;
      cell(row, '', 'number').id = 'a-points-' + c.code;
      const explain = cell(row, '');
      if (entry.explanation_request) {
        explain.appendChild(element('p', {class: 'request'}, 'Đã yêu cầu: ' + entry.explanation_request));
      }
      if (entry.explanation) {
        explain.appendChild(element('p', {id: 'explanation-' + c.code}, 'Đơn vị giải trình: ' + entry.explanation));
      }
      if (asking && !survey) {
        explain.appendChild(element('input', {type: 'text', id: 'ask-' + c.code,
          'aria-label': 'Nội dung yêu cầu giải trình ' + c.code, placeholder: 'Nội dung cần giải trình'}));
      }
    });
    for (const c of appraised.criteria || []) showCriterionScore('a', c);
  });
}

// Appraised values with the appraiser's comment, for the changed criteria.
function appraisalEntries() {
  return changedEntries('a', 'appraised').map((e) => ({
    criterion: e.criterion, appraised: e.appraised,
    appraisal_comment: ($('comment-' + e.criterion) || {}).value || '',
  }));
}

$('save-appraisal').addEventListener('click', async () => {
  $('appraisal-error').textContent = '';
  const n = form.dirty.size;
  if (await saveChanged('a', appraisalEntries(), 'appraised,appraisal_comment', 'appraisal-error')) {
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = 'Đã lưu thẩm định ' + n + ' tiêu chí';
  }
});

$('request-explanation').addEventListener('click', async () => {
  const messages = {};
  for (const input of document.querySelectorAll('[id^="ask-"]')) {
    if (input.value.trim()) messages[input.id.slice(4)] = input.value.trim();
  }
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/RequestExplanation', {
      name: assessmentName(form.unit), etag: a.version, messages,
    });
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = 'Đã yêu cầu giải trình ' + Object.keys(messages).length + ' tiêu chí';
  });
});

$('finalise').addEventListener('click', async () => {
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/FinaliseAssessment', {name: assessmentName(form.unit), etag: a.version});
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = 'Đã hoàn thành thẩm định';
  });
});

$('back-to-board').addEventListener('click', () => showBoard());
