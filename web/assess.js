// The ward office's self-assessment form and the Home Affairs office's status board and
// criterion-by-criterion appraisal. Both forms are built from the round's criteria set:
// the set's data elements (each figure typed once, in the area of the first criterion
// that reads it) and, per criterion, what belongs to it alone (a self-score, a yes/no or
// a date the criterion keeps itself, comments, evidence). Every change is scored live
// by ScoreService.PreviewScore (nothing stored) until the user saves.
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

function leaves(criteria, out) {
  for (const c of criteria || []) {
    if ((c.criteria || []).length) leaves(c.criteria, out);
    else out.push(c);
  }
  return out;
}

// ---- the set's data elements ----

// The elements a leaf reads, in the order its indicator reads them.
function elementsOf(criterion) {
  const shape = shapeOf(criterion);
  const rule = (criterion.rule || {})[shape] || {};
  if (shape === 'boolean' || shape === 'deadline') return rule.element ? [rule.element] : [];
  if (!FIGURE_SHAPES.includes(shape)) return [];
  const indicator = (session.set.indicators || []).find((i) => i.id === rule.indicator) || {};
  const names = (indicator.numerator || []).concat(indicator.denominator || []);
  return names.filter((n, i) => names.indexOf(n) === i);
}

// What the criterion keeps on its own entry (not on the data sheet): 'done', 'issued',
// 'score', 'survey' or ''.
function ownValueOf(criterion) {
  const shape = shapeOf(criterion);
  if (shape === 'judgement') return 'score';
  if (shape === 'survey') return 'survey';
  if ((shape === 'boolean' || shape === 'deadline') && elementsOf(criterion).length === 0) {
    return shape === 'boolean' ? 'done' : 'issued';
  }
  return '';
}

// The set's elements by code, with the leaf that shows each (the first that reads it).
// A set without `elements:` reads every indicator name as a count labelled by its code.
function sheetLayout() {
  const declared = session.set.elements || [];
  const byCode = new Map(declared.map((e) => [e.code, e]));
  const owner = new Map();
  const all = leaves((session.set.areas || []).flatMap((a) => a.criteria || []), []);
  for (const c of all) {
    for (const code of elementsOf(c)) {
      if (!byCode.has(code)) byCode.set(code, {code, label: code});
      if (!owner.has(code)) owner.set(code, c.code);
    }
  }
  const unread = [...byCode.keys()].filter((code) => !owner.has(code));
  return {byCode, owner, unread};
}

function elementType(el) { return (el && el.type) || 'ELEMENT_COUNT'; }
function isMilli(el) { return ['ELEMENT_PERCENT', 'ELEMENT_SCORE'].includes(elementType(el)); }
function labelOf(code) { return ((form.layout.byCode.get(code) || {}).label) || code; }

function two(n) { return String(n).padStart(2, '0'); }
function formatDate(d) { return two(d.day) + '/' + two(d.month) + '/' + d.year; }

// Thousandths as a short Vietnamese decimal: 87500 → "87,5", 2000 → "2".
function formatMilliShort(milli) {
  const m = Number(milli || 0);
  const abs = Math.abs(m);
  let text = String(Math.floor(abs / 1000));
  const frac = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
  if (frac) text += ',' + frac;
  return (m < 0 ? '-' : '') + text;
}

// One side's value of an element, as text: "784", "11/03/2023", "Chưa ban hành", "Có".
function describeElementValue(el, v) {
  if (!v) return 'Chưa nhập';
  if (v.count !== undefined) return String(v.count);
  if (v.milli !== undefined) return formatMilliShort(v.milli) + (elementType(el) === 'ELEMENT_PERCENT' ? '%' : '');
  if (v.date) return formatDate(v.date);
  if (v.not_issued) return 'Chưa ban hành';
  if (v.yes !== undefined) return v.yes ? 'Có' : 'Không';
  return 'Chưa nhập';
}

function hasValue(v) {
  return !!v && ['count', 'milli', 'date', 'not_issued', 'yes'].some((k) => v[k] !== undefined);
}

// The value a column reads: the appraised one where the office gave it, else the unit's.
function storedValue(code, side) {
  const dv = form.values.get(code);
  if (!dv) return null;
  if (side === 'appraised' && hasValue(dv.appraised)) return dv.appraised;
  return hasValue(dv.self) ? dv.self : null;
}

// A decimal typed the Vietnamese way ("87,5"; "1.234" or "1 234" as thousands for a
// count) as an exact integer: thousandths when `milli`. Answers {value} or {error}.
function parseNumber(text, milli) {
  let t = text.trim().replace(/\s+/g, '');
  if (!milli) {
    if (/^-?\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, '');
    if (!/^-?\d+$/.test(t)) return {error: 'phải là số nguyên (ví dụ 784)'};
    return {value: String(BigInt(t))};
  }
  t = t.replace(',', '.');
  const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(t);
  if (!m) return {error: 'phải là số, tối đa 3 chữ số thập phân (ví dụ 87,5)'};
  const value = BigInt(m[2]) * 1000n + BigInt((m[3] || '').padEnd(3, '0'));
  return {value: (m[1] && value !== 0n ? '-' : '') + String(value)};
}

// ---- element inputs (ids "<prefix>-el-<code>", errors "<prefix>-el-<code>-err") ----

function elementInput(prefix, el, value, editable, onChange) {
  const id = prefix + '-el-' + el.code;
  const type = elementType(el);
  let input;
  const extra = [];
  if (type === 'ELEMENT_DATE') {
    input = element('input', {type: 'date'});
    if (value && value.date) {
      input.value = value.date.year + '-' + two(value.date.month) + '-' + two(value.date.day);
    }
    const check = element('input', {type: 'checkbox', id: id + '-not-issued'});
    check.checked = !!(value && value.not_issued);
    check.disabled = !editable;
    input.disabled = !editable || check.checked;
    check.addEventListener('change', () => {
      input.disabled = check.checked;
      if (check.checked) input.value = '';
      onChange();
    });
    const label = element('label', {for: check.id, class: 'check'});
    label.append(check, ' Chưa ban hành');
    extra.push(label);
  } else if (type === 'ELEMENT_YES_NO') {
    input = element('select');
    input.add(new Option('— Chọn —', ''));
    input.add(new Option('Có', 'true'));
    input.add(new Option('Không', 'false'));
    input.value = value && value.yes !== undefined ? String(value.yes) : '';
    input.disabled = !editable;
  } else {
    input = element('input', {type: 'text', inputmode: isMilli(el) ? 'decimal' : 'numeric',
      autocomplete: 'off'});
    if (value && value.count !== undefined) input.value = String(value.count);
    if (value && value.milli !== undefined) input.value = formatMilliShort(value.milli);
    input.disabled = !editable;
  }
  input.id = id;
  input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', onChange);
  if (type === 'ELEMENT_DATE') input.addEventListener('change', onChange);
  return {input, extra};
}

// The field of one element: its label, help, period and the input.
function elementField(prefix, el, value, editable, onChange) {
  const id = prefix + '-el-' + el.code;
  const wrap = element('div', {class: 'field element', id: id + '-field'});
  const {input, extra} = elementInput(prefix, el, value, editable, onChange);
  input.setAttribute('aria-describedby', id + '-help ' + id + '-err');
  wrap.appendChild(element('label', {for: id}, el.label || el.code));
  const help = element('p', {class: 'help', id: id + '-help'});
  if (el.help) help.append(el.help);
  if (el.period) help.append(element('span', {class: 'period'}, 'Kỳ số liệu: ' + el.period));
  wrap.appendChild(help);
  const line = element('div', {class: 'control'});
  line.append(input, ...extra);
  wrap.appendChild(line);
  wrap.appendChild(element('p', {id: id + '-err', class: 'error field-error', 'aria-live': 'polite'}));
  return wrap;
}

// What an element's input holds, as an ElementValue ({} clears it); {error} when it
// cannot be read.
function readElement(prefix, el) {
  const input = $(prefix + '-el-' + el.code);
  if (!input) return {value: {}};
  const type = elementType(el);
  if (type === 'ELEMENT_DATE') {
    if (($(prefix + '-el-' + el.code + '-not-issued') || {}).checked) return {value: {not_issued: true}};
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    return {value: m ? {date: {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])}} : {}};
  }
  if (type === 'ELEMENT_YES_NO') {
    return {value: input.value === '' ? {} : {yes: input.value === 'true'}};
  }
  if (input.value.trim() === '') return {value: {}};
  const n = parseNumber(input.value, isMilli(el));
  if (n.error) return {error: n.error};
  return {value: isMilli(el) ? {milli: n.value} : {count: n.value}};
}

// The typed values of the changed elements as DataValueUpdates; errors of values that
// cannot be read are shown at their fields (those values are left out).
function changedValues(prefix, withEtags) {
  const updates = [];
  for (const code of form.dirtyValues) {
    const el = form.layout.byCode.get(code);
    const read = readElement(prefix, el);
    if (read.error) {
      showElementError(prefix, code, read.error, '');
      continue;
    }
    const update = {element: code, value: read.value};
    if (withEtags) update.etag = String((form.values.get(code) || {}).version || 0);
    updates.push(update);
  }
  return updates;
}

// The value each "already typed" note shows for an element, after a change.
function refreshShared(prefix, code) {
  const el = form.layout.byCode.get(code);
  const read = readElement(prefix, el);
  for (const e of document.querySelectorAll('[data-shared="' + prefix + '-' + code + '"]')) {
    e.textContent = read.error ? '?' : describeElementValue(el, hasValue(read.value) ? read.value : null);
  }
}

// ---- the server's words, for a clerk ----

// The engine's refusals of a value the form can send, in Vietnamese.
const FIELD_MESSAGES = [
  [/^negative count \((-?\d+)\)$/, 'số liệu không được âm ($1)'],
  [/^negative value \((.*)\)$/, 'giá trị không được âm ($1)'],
  [/^count too large \((\d+)\)$/, 'số quá lớn ($1)'],
  [/^value too large \((.*)\)$/, 'giá trị quá lớn ($1)'],
  [/^(.*)% is more than 100%$/, '$1% lớn hơn 100%'],
  [/^(.*) is not a whole number of items$/, '$1 không phải số nguyên'],
  [/^expects .*$/, 'giá trị không đúng kiểu của số liệu này'],
  [/^not a valid date$/, 'ngày không hợp lệ'],
  [/^(-?[\d.]+) is outside 0\.\.([\d.]+) for criterion .*$/, 'điểm $1 nằm ngoài khoảng 0 – $2'],
];

const NEGATED = {'≤': 'lớn hơn', '<': 'không nhỏ hơn', '≥': 'nhỏ hơn', '>': 'không lớn hơn'};

// "resolved (Số hồ sơ TTHC đã giải quyết)" → the label alone.
function withLabels(text) {
  let out = text;
  for (const el of form.layout.byCode.values()) {
    if (el.label && el.label !== el.code) out = out.split(el.code + ' (' + el.label + ')').join(el.label);
  }
  return out;
}

// A validation rule's finding: "rule id: message: a (label) = 800, not ≤ b (label) = 784"
// → "message: label = 800, lớn hơn label = 784".
function ruleText(text) {
  const m = /^rule [^:]+: ([\s\S]*), not (≤|<|≥|>) ([^,]*)$/.exec(text);
  if (!m) return withLabels(text);
  return localise(withLabels(m[1] + ', ' + NEGATED[m[2]] + ' ' + m[3]));
}

function fieldMessage(text, code) {
  if (/^rule /.test(text)) return ruleText(text);
  let t = text;
  const el = code && form.layout.byCode.get(code);
  if (el) {
    for (const prefix of [el.code + ' (' + el.label + '): ', el.code + ': ']) {
      if (t.startsWith(prefix)) t = t.slice(prefix.length);
    }
  }
  for (const [pattern, vietnamese] of FIELD_MESSAGES) {
    if (pattern.test(t)) return localise(t.replace(pattern, vietnamese));
  }
  return withLabels(t);
}

function showElementError(prefix, code, text, serverText) {
  const target = $(prefix + '-el-' + code + '-err');
  if (!target) return false;
  target.textContent = text;
  if (serverText) target.title = serverText;
  const input = $(prefix + '-el-' + code);
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

// Shows a server error next to the field it names, in Vietnamese (the server's words in
// its title): "values[0].value: …" / "updates[0].value: …" (the i-th of `valueCodes`),
// "dataSheet.resolved: …", or "entries[1].self.score: …" / "updates[1].entry.self…"
// (the i-th of `criterionCodes`). Answers false when the error names no field here.
function showFieldError(prefix, valueCodes, criterionCodes, error) {
  const message = error.message || '';
  let m = /^(?:values|updates)\[(\d+)\]\.value: ([\s\S]*)$/.exec(message);
  let code = m && valueCodes[Number(m[1])];
  if (!m) {
    m = /^dataSheet\.([\w.-]+): ([\s\S]*)$/.exec(message);
    code = m && m[1];
  }
  if (m && code) {
    const text = fieldMessage(m[2], code);
    // A broken rule is shown at the element it names and at the rule's elements just typed.
    const rule = /^rule ([^:]+):/.exec(m[2]);
    const found = rule && (session.set.validation || []).find((r) => r.id === rule[1]);
    const typed = found ? (found.left || []).concat(found.right || [])
        .filter((e) => e !== code && form.dirtyValues.has(e)) : [];
    for (const other of typed) showElementError(prefix, other, text, message);
    return showElementError(prefix, code, text, message);
  }
  m = /^(?:entries|updates)\[(\d+)\](?:\.entry)?\.(?:self|appraised|explanation)\.?([\w.]*): ([\s\S]*)$/
      .exec(message);
  if (!m || criterionCodes[Number(m[1])] === undefined) return false;
  const criterion = criterionCodes[Number(m[1])];
  const target = $(prefix + '-err-' + criterion);
  if (!target) return false;
  target.textContent = fieldMessage(m[3], '');
  target.title = message;
  const input = $(prefix + '-' + criterion + '-' + m[2]);
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

function clearFieldErrors(prefix) {
  for (const e of document.querySelectorAll('.field-error')) {
    if (e.id.startsWith(prefix + '-')) {
      e.textContent = '';
      e.removeAttribute('title');
    }
  }
  for (const e of document.querySelectorAll('[aria-invalid]')) {
    if (e.id.startsWith(prefix + '-')) e.removeAttribute('aria-invalid');
  }
}

// Warning rules the sheet breaks (stored anyway): listed in the view's warnings box, and
// their fields marked.
function showWarnings(prefix, boxId, warnings) {
  const box = $(boxId);
  box.replaceChildren();
  for (const e of document.querySelectorAll('.field.element.warned')) {
    if (e.id.startsWith(prefix + '-')) e.classList.remove('warned');
  }
  const list = warnings || [];
  box.hidden = list.length === 0;
  if (!list.length) return;
  box.appendChild(element('p', {class: 'warnings-title'},
      'Cảnh báo: số liệu có thể chưa khớp nhau (vẫn được lưu), đề nghị kiểm tra lại'));
  const ul = element('ul');
  for (const w of list) {
    const item = element('li', {title: 'Bấm để đến ô nhập số liệu này'}, ruleText(w.message));
    item.addEventListener('click', () => {
      const input = $(prefix + '-el-' + (w.elements || [])[0]);
      if (input) input.focus();
    });
    ul.appendChild(item);
    for (const code of w.elements || []) {
      const field = $(prefix + '-el-' + code + '-field');
      if (field) field.classList.add('warned');
    }
  }
  box.appendChild(ul);
}

// Engine text shown in Vietnamese: the decimal comma and the target's source.
function localise(text) {
  return (text || '')
      .replace(/(\d{4})-(\d{2})-(\d{2})/g, '$3/$2/$1')
      .replace(/(\d)\.(\d)/g, '$1,$2')
      .replace(/plan target for (\w+)/g, (m, kind) => 'chỉ tiêu kế hoạch, ' + kindTitle(kind))
      .replace(/^due /, 'hạn ')
      .replace(/^band /, 'mức ')
      .replace(/^(hạn )?before /, '$1trước ngày ')
      .replace(/^(hạn )?by /, '$1đến ngày ');
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

// What one side gives for a criterion, as text: the elements it reads with their
// values ("Số hồ sơ …: 740; Số hồ sơ …: 784"), or its own value.
function describeValues(criterion, values, side) {
  const codes = elementsOf(criterion);
  if (codes.length) {
    return codes.map((code) => labelOf(code) + ': ' +
        describeElementValue(form.layout.byCode.get(code), storedValue(code, side))).join('; ');
  }
  if (!values) values = {};
  const own = ownValueOf(criterion);
  if (own === 'done') return values.done === undefined ? 'Chưa nhập' : values.done ? 'Có' : 'Không';
  if (own === 'issued') return values.issued ? 'Ban hành ngày ' + formatDate(values.issued) : 'Chưa nhập';
  if (own === 'score') {
    return values.score_milli === undefined ? 'Chưa chấm' : formatMilli(values.score_milli) + ' điểm';
  }
  if (own === 'survey') {
    const s = values.survey;
    if (!s) return 'Chưa có kết quả khảo sát';
    if (s.percent_milli !== undefined) return formatMilli(s.percent_milli) + '%';
    return 'A ' + (s.a || 0) + ', B ' + (s.b || 0) + ', C ' + (s.c || 0) + ', D ' + (s.d || 0);
  }
  return 'Chưa nhập';
}

// ---- a criterion's own inputs (ids "<prefix>-<code>-<field>") ----

function ownInputs(prefix, criterion, values, editable, onChange) {
  const box = element('div', {class: 'inputs'});
  const code = criterion.code;
  const own = ownValueOf(criterion);
  values = values || {};
  const add = (field, text, input) => {
    const wrap = element('div', {class: 'field'});
    input.id = prefix + '-' + code + '-' + field;
    input.disabled = !editable;
    input.setAttribute('aria-describedby', prefix + '-err-' + code);
    input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', onChange);
    wrap.append(element('label', {for: input.id}, text), input);
    box.appendChild(wrap);
  };
  if (own === 'done') {
    const select = element('select');
    select.add(new Option('— Chọn —', ''));
    select.add(new Option('Có', 'true'));
    select.add(new Option('Không', 'false'));
    select.value = values.done === undefined ? '' : String(values.done);
    add('done', 'Đã thực hiện', select);
  } else if (own === 'issued') {
    const d = values.issued;
    const input = element('input', {type: 'date'});
    if (d) input.value = d.year + '-' + two(d.month) + '-' + two(d.day);
    add('issued', 'Ngày ban hành', input);
  } else if (own === 'score') {
    const input = element('input', {type: 'text', inputmode: 'decimal', autocomplete: 'off'});
    if (values.score_milli !== undefined) input.value = formatMilliShort(values.score_milli);
    add('score', 'Điểm chấm (0 – ' + formatMilliShort(criterion.max_milli) + ')', input);
  } else if (own === 'survey') {
    box.append(element('p', {class: 'note'},
        describeValues(criterion, values) + ' (Phòng Nội vụ nhập từ khảo sát)'));
  }
  box.appendChild(element('p', {id: prefix + '-err-' + code, class: 'error field-error', 'aria-live': 'polite'}));
  return box;
}

// The criterion's own value as typed, as EntryValues JSON; {error} when unreadable.
function readOwn(prefix, criterion) {
  const input = (field) => $(prefix + '-' + criterion.code + '-' + field);
  const own = ownValueOf(criterion);
  if (own === 'done') {
    const v = input('done').value;
    return v === '' ? {} : {done: v === 'true'};
  }
  if (own === 'issued') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input('issued').value);
    return m ? {issued: {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])}} : {};
  }
  if (own === 'score') {
    const v = input('score').value.trim();
    if (v === '') return {};
    const n = parseNumber(v, true);
    return n.error ? {error: n.error} : {score_milli: n.value};
  }
  return {};
}

// Writes one criterion's score into the cells "<prefix>-value|target|points-<code>".
function showCriterionScore(prefix, c) {
  const set = (kind, text) => {
    const e = $(prefix + '-' + kind + '-' + c.code);
    if (e) e.textContent = text;
  };
  const trace = c.trace || {};
  let value = localise(trace.value_text);
  // A date or a yes/no has no derived value: the value read is the result.
  const criterion = form.criteria.get(c.code);
  const codes = criterion ? elementsOf(criterion) : [];
  const el = codes.length === 1 && form.layout.byCode.get(codes[0]);
  if (!value && el && ['ELEMENT_DATE', 'ELEMENT_YES_NO'].includes(elementType(el))) {
    const read = $(prefix + '-el-' + el.code) ? readElement(prefix, el)
        : {value: storedValue(el.code, prefix === 'a' ? 'appraised' : 'self')};
    if (!read.error) value = describeElementValue(el, hasValue(read.value) ? read.value : null);
  }
  set('value', value);
  set('target', localise(trace.applied));
  const status = STATUS_TITLES[c.status];
  set('points', (status ? status + ': ' : '') + formatMilli(c.points_milli) + ' / ' +
      formatMilli(c.applicable_max_milli));
  const row = $(prefix + '-row-' + c.code);
  if (row) row.title = localise(trace.reason);
  // A figure kept on the criterion itself from before data sheets overrides the sheet.
  const copies = $(prefix + '-copies-' + c.code);
  if (copies) {
    const kept = (trace.inputs || []).filter((f) => f.from_entry);
    copies.textContent = kept.length ? 'Tiêu chí này còn dùng số liệu riêng nhập trước đây: ' +
        kept.map((f) => (f.label || f.name) + ' = ' + f.value).join('; ') +
        '. Nhập lại số liệu ở trên để dùng chung cho mọi tiêu chí.' : '';
  }
}

function totalText(score) {
  return formatIndex(score.index_hundredths) + ' (' + formatMilli(score.achieved_milli) +
      ' / ' + formatMilli(score.applicable_max_milli) + ' điểm)';
}

// A labelled slot of a criterion's card: <div class="slot"><span>title</span>…</div>.
function slot(parent, title, id, className) {
  const div = element('div', {class: 'slot' + (className ? ' ' + className : '')});
  div.appendChild(element('span', {class: 'slot-title'}, title));
  const body = element('div', {class: 'slot-body'});
  if (id) body.id = id;
  div.appendChild(body);
  parent.appendChild(div);
  return body;
}

// One section per area: a heading per criterion with sub-criteria and a card per leaf,
// built by `leafCard(card, criterion)`; elements no criterion reads come last.
function renderAreas(container, prefix, leafCard, unreadFields) {
  container.replaceChildren();
  for (const area of session.set.areas || []) {
    const section = element('section', {class: 'area'});
    section.appendChild(element('h3', {}, area.code + '. ' + area.title + ' (' +
        formatMilli(area.max_milli) + ' điểm)'));
    const walk = (criteria, depth) => {
      for (const c of criteria || []) {
        if ((c.criteria || []).length) {
          const group = element('div', {class: 'group', id: prefix + '-group-' + c.code});
          group.appendChild(element('h4', {}, c.code + ' ' + c.title + ' (' + formatMilli(c.max_milli) + ' điểm)'));
          group.appendChild(element('span', {class: 'group-points', id: prefix + '-points-' + c.code}));
          section.appendChild(group);
          walk(c.criteria, depth + 1);
        } else {
          const card = element('article', {class: 'criterion', id: prefix + '-row-' + c.code});
          const head = element('h4', {class: 'criterion-title'});
          head.append(element('span', {class: 'code'}, c.code), ' ' + c.title + ' (' +
              formatMilli(c.max_milli) + ' điểm)');
          card.appendChild(head);
          if (c.guidance) card.appendChild(element('p', {class: 'note guidance'}, c.guidance));
          leafCard(card, c);
          section.appendChild(card);
        }
      }
    };
    walk(area.criteria, 0);
    container.appendChild(section);
  }
  if (form.layout.unread.length && unreadFields) {
    const section = element('section', {class: 'area'});
    section.appendChild(element('h3', {}, 'Số liệu khác'));
    for (const code of form.layout.unread) section.appendChild(unreadFields(form.layout.byCode.get(code)));
    container.appendChild(section);
  }
}

// The elements of a leaf: the ones it shows first as fields (built by `field`), the
// others as a read-only line naming where they are typed.
function leafElements(prefix, c, field, side) {
  const box = element('div', {class: 'elements'});
  if (elementsOf(c).length) box.appendChild(element('p', {class: 'note copies', id: prefix + '-copies-' + c.code}));
  for (const code of elementsOf(c)) {
    const el = form.layout.byCode.get(code);
    if (form.layout.owner.get(code) === c.code) {
      box.appendChild(field(el));
    } else {
      const p = element('p', {class: 'note shared'});
      const value = element('strong', {'data-shared': prefix + '-' + code},
          describeElementValue(el, storedValue(code, side)));
      const where = form.layout.owner.get(code);
      p.append(el.label + ': ', value, ' (đã nhập ở mục ' + where + ')');
      box.appendChild(p);
    }
  }
  return box;
}

// A live preview: the typed values and entries laid over the stored form and scored;
// the newest answer wins. Errors go next to their field, warnings to the box.
function previewer(prefix, column, onScore, errorId, warningsId) {
  let timer = 0;
  let sequence = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++sequence;
      clearFieldErrors(prefix);
      const values = changedValues(prefix, false);
      const entries = changedEntries(prefix, column === 'SELF' ? 'self' : 'appraised', true);
      try {
        const score = await call('ScoreService/PreviewScore', {
          parent: assessmentName(form.unit), entries: entries.map((x) => x.entry), values, column,
        });
        if (mine !== sequence) return;
        $(errorId).textContent = '';
        onScore(score);
        showWarnings(prefix, warningsId, score.warnings);
      } catch (e) {
        if (mine !== sequence) return;
        if (!showFieldError(prefix, values.map((v) => v.element), entries.map((x) => x.entry.criterion), e)) {
          $(errorId).textContent = e.message;
        }
      }
    }, 250);
  };
}

// ---- shared state of the open form (the ward's or the appraiser's) ----

const form = {
  unit: '', assessment: null, entries: new Map(), values: new Map(), criteria: new Map(),
  layout: null, dirty: new Set(), dirtyValues: new Set(),
};

// Makes `assessment` (as read) the open form.
function openAssessment(unit, assessment) {
  form.unit = unit;
  form.dirty = new Set();
  form.dirtyValues = new Set();
  form.assessment = assessment;
  form.entries = new Map((form.assessment.entries || []).map((e) => [e.criterion, e]));
  form.values = new Map((form.assessment.values || []).map((v) => [v.element, v]));
  form.criteria = new Map(leaves((session.set.areas || []).flatMap((a) => a.criteria || []), [])
      .map((c) => [c.code, c]));
  form.layout = sheetLayout();
}

// The comment input of a criterion: the ward's note, or the appraiser's.
function commentId(prefix, code) { return (prefix === 'a' ? 'comment-' : 'w-comment-') + code; }

// The changed criteria as EntryUpdates {entry, mask}: the criterion's own value on
// `side` (where it keeps one) and its comment. For a preview, the stored entry with the
// typed value laid over it.
function changedEntries(prefix, side, forPreview) {
  const out = [];
  for (const code of form.dirty) {
    const criterion = form.criteria.get(code);
    const stored = form.entries.get(code) || {};
    const own = ownValueOf(criterion);
    const entry = {criterion: code};
    const mask = [];
    if (own && own !== 'survey') {
      const typed = readOwn(prefix, criterion);
      if (typed.error) {
        const target = $(prefix + '-err-' + code);
        if (target) target.textContent = typed.error;
        continue;
      }
      entry[side] = typed;
      mask.push(side);
    }
    const comment = $(commentId(prefix, code));
    if (comment) {
      const field = side === 'self' ? 'comment' : 'appraisal_comment';
      entry[field] = comment.value;
      mask.push(field);
    }
    if (forPreview) {
      if (!mask.includes(side)) continue;
      const laid = Object.assign({}, stored, entry);
      delete laid.version;
      delete laid.updated_at;
      delete laid.updated_by;
      out.push({entry: laid, mask});
    } else if (mask.length) {
      out.push({entry, mask});
    }
  }
  return out;
}

// Stores the changed element values (UpdateDataSheet, with each value's version as its
// etag), then the changed criteria (BatchUpdateEntries). Answers the counts stored, or
// null after showing the error.
async function saveChanged(prefix, side, errorId, warningsId) {
  clearFieldErrors(prefix);
  const values = changedValues(prefix, true);
  if (values.length < form.dirtyValues.size) return null;  // an unreadable value, shown
  const updates = changedEntries(prefix, side, false);
  if (document.querySelector('.field-error:not(:empty)[id^="' + prefix + '-err-"]')) return null;
  try {
    if (values.length) {
      const sheet = await call('AssessmentService/UpdateDataSheet', {
        parent: assessmentName(form.unit), updates: values,
      });
      form.values = new Map((sheet.values || []).map((v) => [v.element, v]));
      form.dirtyValues.clear();
      showWarnings(prefix, warningsId, sheet.warnings);
      // A written figure may drop a criterion's own old copy: read the entries' versions again.
      if (updates.length) {
        const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
        form.entries = new Map((a.entries || []).map((e) => [e.criterion, e]));
      }
    }
    if (updates.length) {
      const answer = await call('AssessmentService/BatchUpdateEntries', {
        parent: assessmentName(form.unit),
        updates: updates.map((u) => ({
          entry: u.entry, update_mask: u.mask.join(','),
          etag: String((form.entries.get(u.entry.criterion) || {}).version || 0),
        })),
      });
      for (const e of answer.entries || []) form.entries.set(e.criterion, e);
      form.dirty.clear();
    }
    return {values: values.length, entries: updates.length};
  } catch (e) {
    if (!showFieldError(prefix, values.map((v) => v.element), updates.map((u) => u.entry.criterion), e)) {
      $(errorId).textContent = e.message;
    }
    return null;
  }
}

function savedText(saved) {
  const parts = [];
  if (saved.values) parts.push(saved.values + ' số liệu');
  if (saved.entries) parts.push(saved.entries + ' tiêu chí');
  return parts.join(', ');
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
  const load = showView('form');
  $('form-message').textContent = '';
  $('form-warnings').hidden = true;
  await guarded('form-error', async () => {
    const round = await loadRound();
    const unit = session.caller.unit;
    const [assessment, score] = await Promise.all([
      call('AssessmentService/GetAssessment', {name: assessmentName(unit)}),
      call('ScoreService/GetUnitScore', {name: assessmentName(unit), column: 'SELF'}),
    ]);
    if (stale(load)) return;
    openAssessment(unit, assessment);
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
    renderWardWaiting(round, form.assessment);  // queue.js
    $('save').hidden = !editable;
    $('submit').hidden = !editable;
    $('submit-explanation').hidden = !explaining;
    const preview = previewer('w', 'SELF', (s) => {
      for (const c of s.criteria || []) showCriterionScore('w', c);
      $('form-total').textContent = totalText(s);
    }, 'form-error', 'form-warnings');
    const field = (el) => elementField('w', el, storedValue(el.code, 'self'), editable, () => {
      form.dirtyValues.add(el.code);
      refreshShared('w', el.code);
      preview();
    });
    renderAreas($('form-areas'), 'w', (card, c) => {
      const entry = form.entries.get(c.code);
      const own = ownValueOf(c);
      const inputs = slot(card, 'Số liệu', 'w-inputs-' + c.code, 'inputs-slot');
      inputs.appendChild(leafElements('w', c, field, 'self'));
      inputs.appendChild(ownInputs('w', c, (entry || {}).self, editable && own !== 'survey',
          () => { form.dirty.add(c.code); preview(); }));
      if (own !== 'survey') {
        const comment = element('input', {type: 'text', id: commentId('w', c.code),
          'aria-label': 'Ghi chú của đơn vị, tiêu chí ' + c.code, placeholder: 'Ghi chú (nếu có)'});
        comment.value = (entry || {}).comment || '';
        comment.disabled = !editable;
        comment.addEventListener('input', () => form.dirty.add(c.code));
        inputs.appendChild(comment);
      }
      if (entry && entry.explanation_request) {
        inputs.appendChild(element('p', {class: 'request'}, 'Yêu cầu giải trình: ' + entry.explanation_request));
        const label = element('label', {for: 'explain-' + c.code}, 'Giải trình');
        const text = element('textarea', {id: 'explain-' + c.code, rows: '3'});
        text.value = entry.explanation || '';
        text.disabled = !explaining;
        inputs.append(label, text);
      }
      const result = element('div', {class: 'result'});
      slot(result, 'Kết quả', 'w-value-' + c.code, 'number');
      slot(result, 'Chỉ tiêu, mức áp dụng', 'w-target-' + c.code);
      slot(result, 'Điểm', 'w-points-' + c.code, 'number');
      card.appendChild(result);
      const evidence = slot(card, 'Tài liệu kiểm chứng', 'w-evidence-' + c.code, 'evidence-slot');
      const required = (c.evidence || []).map((e) => e.document_type).join('; ');
      if (required) evidence.appendChild(element('p', {class: 'note'}, required));
      evidence.appendChild(evidenceList(entry, 'form-error'));
      if (editable && own !== 'survey') {
        const upload = element('input', {type: 'file', id: 'upload-' + c.code,
          'aria-label': 'Tải tài liệu kiểm chứng cho ' + c.code});
        upload.addEventListener('change', () => uploadEvidence(c, upload));
        evidence.appendChild(upload);
      }
    }, field);
    for (const c of score.criteria || []) showCriterionScore('w', c);
    showWarnings('w', 'form-warnings', score.warnings);
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
    // The upload moved the entry on: read its version again before the next save.
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    const fresh = (a.entries || []).find((e) => e.criterion === criterion.code);
    form.entries.set(criterion.code, fresh || entry);
    $('w-evidence-' + criterion.code).querySelector('ul').replaceWith(evidenceList(fresh || entry, 'form-error'));
    input.value = '';
    $('form-message').textContent = 'Đã tải lên ' + stored.file_name + ' cho tiêu chí ' + criterion.code;
  });
}

$('save').addEventListener('click', async () => {
  $('form-error').textContent = '';
  $('form-message').textContent = '';
  const saved = await saveChanged('w', 'self', 'form-error', 'form-warnings');
  if (saved) {
    $('form-message').textContent =
        saved.values || saved.entries ? 'Đã lưu ' + savedText(saved) : 'Không có thay đổi cần lưu';
  }
});

$('submit').addEventListener('click', async () => {
  $('form-error').textContent = '';
  $('form-message').textContent = '';
  if (!await saveChanged('w', 'self', 'form-error', 'form-warnings')) return;
  await guarded('form-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitAssessment', {name: assessmentName(form.unit), etag: a.version});
    await showForm();
    $('form-message').textContent = 'Đã nộp tự đánh giá';
  });
});

$('submit-explanation').addEventListener('click', async () => {
  $('form-error').textContent = '';
  const entries = [...form.entries.values()].filter((e) => e.explanation_request);
  await guarded('form-error', async () => {
    if (entries.length) {
      const answer = await call('AssessmentService/BatchUpdateEntries', {
        parent: assessmentName(form.unit),
        updates: entries.map((e) => ({
          entry: {criterion: e.criterion, explanation: $('explain-' + e.criterion).value},
          update_mask: 'explanation', etag: String(e.version || 0),
        })),
      });
      for (const e of answer.entries || []) form.entries.set(e.criterion, e);
    }
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitExplanation', {name: assessmentName(form.unit), etag: a.version});
    await showForm();
    $('form-message').textContent = 'Đã gửi giải trình';
  });
});

// The office's work queue (showBoard) is queue.js's.

// ---- criterion-by-criterion appraisal ----

// The field of one element in the appraisal: the unit's value beside the appraised input.
function appraisalField(el, editable, onChange) {
  const dv = form.values.get(el.code) || {};
  const appraised = hasValue(dv.appraised) ? dv.appraised : (hasValue(dv.self) ? dv.self : null);
  const field = elementField('a', el, appraised, editable, onChange);
  const ward = element('p', {class: 'ward-value', id: 'self-el-' + el.code});
  ward.append('Đơn vị báo cáo: ', element('strong', {}, describeElementValue(el, hasValue(dv.self) ? dv.self : null)));
  if (hasValue(dv.appraised) &&
      describeElementValue(el, dv.appraised) !== describeElementValue(el, hasValue(dv.self) ? dv.self : null)) {
    field.classList.add('differs');
    ward.append(' ', element('span', {class: 'badge'}, 'đã điều chỉnh khi thẩm định'));
  }
  field.querySelector('.control').before(ward);
  return field;
}

async function showAppraisal(unit) {
  const load = showView('appraisal');
  $('appraisal-message').textContent = '';
  $('appraisal-warnings').hidden = true;
  await guarded('appraisal-error', async () => {
    const round = await loadRound();
    const [assessment, self, appraised] = await Promise.all([
      call('AssessmentService/GetAssessment', {name: assessmentName(unit)}),
      ...['SELF', 'APPRAISED'].map((column) =>
        call('ScoreService/GetUnitScore', {name: assessmentName(unit), column})),
    ]);
    if (stale(load)) return;
    openAssessment(unit, assessment);
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
    const preview = previewer('a', 'APPRAISED', (s) => {
      for (const c of s.criteria || []) showCriterionScore('a', c);
      $('appraisal-total').textContent = totalText(s);
    }, 'appraisal-error', 'appraisal-warnings');
    const field = (el) => appraisalField(el, editable, () => {
      form.dirtyValues.add(el.code);
      refreshShared('a', el.code);
      preview();
    });
    renderAreas($('appraisal-areas'), 'a', (card, c) => {
      const entry = form.entries.get(c.code) || {};
      const own = ownValueOf(c);
      const survey = own === 'survey';
      const ward = slot(card, 'Đơn vị tự đánh giá', 'self-' + c.code, 'ward-slot');
      ward.append(describeValues(c, entry.self, 'self'));
      const sp = selfPoints.get(c.code);
      if (sp) ward.appendChild(element('p', {class: 'note'}, 'Tự chấm: ' + formatMilli(sp.points_milli)));
      if (entry.comment) ward.appendChild(element('p', {class: 'note'}, entry.comment));
      ward.appendChild(evidenceList(entry, 'appraisal-error'));
      const inputs = slot(card, 'Thẩm định', 'a-inputs-' + c.code, 'inputs-slot');
      inputs.appendChild(leafElements('a', c, field, 'appraised'));
      inputs.appendChild(ownInputs('a', c, entry.appraised || entry.self, editable && !survey,
          () => { form.dirty.add(c.code); preview(); }));
      if (!survey) {
        const comment = element('input', {type: 'text', id: commentId('a', c.code),
          'aria-label': 'Nhận xét thẩm định ' + c.code, placeholder: 'Nhận xét'});
        comment.value = entry.appraisal_comment || '';
        comment.disabled = !editable;
        comment.addEventListener('input', () => form.dirty.add(c.code));
        inputs.appendChild(comment);
      }
      const result = element('div', {class: 'result'});
      slot(result, 'Kết quả', 'a-value-' + c.code, 'number');
      slot(result, 'Chỉ tiêu, mức áp dụng', 'a-target-' + c.code);
      slot(result, 'Điểm thẩm định', 'a-points-' + c.code, 'number');
      card.appendChild(result);
      if (entry.explanation_request || entry.explanation || (asking && !survey)) {
        const explain = slot(card, 'Giải trình', 'a-explain-' + c.code);
        if (entry.explanation_request) {
          const why = entry.explanation_reason && MSG['reason_' + entry.explanation_reason];
          explain.appendChild(element('p', {class: 'request'}, 'Đã yêu cầu: ' +
              (why ? '[' + why + '] ' : '') + entry.explanation_request));
        }
        if (entry.explanation) {
          explain.appendChild(element('p', {id: 'explanation-' + c.code}, 'Đơn vị giải trình: ' + entry.explanation));
        }
        if (asking && !survey) explain.appendChild(askInputs(unit, c.code));
      }
    }, field);
    for (const c of appraised.criteria || []) showCriterionScore('a', c);
    showWarnings('a', 'appraisal-warnings', appraised.warnings);
    await renderChanges(unit);  // queue.js
  });
}

$('save-appraisal').addEventListener('click', async () => {
  $('appraisal-error').textContent = '';
  const saved = await saveChanged('a', 'appraised', 'appraisal-error', 'appraisal-warnings');
  if (saved) {
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = saved.values || saved.entries
      ? 'Đã lưu thẩm định: ' + savedText(saved) : 'Không có thay đổi cần lưu';
  }
});

// ---- asking for explanations: a reason and a text per criterion, kept until sent ----

// Unit -> criterion -> {reason, text}: what the appraiser has typed and not yet sent,
// kept across saves and re-renderings of the appraisal.
const pendingAsks = new Map();

function asksOf(unit) {
  if (!pendingAsks.has(unit)) pendingAsks.set(unit, new Map());
  return pendingAsks.get(unit);
}

const ASK_REASONS = ['REASON_MISSING_EVIDENCE', 'REASON_FIGURES_MISMATCH', 'REASON_WRONG_PERIOD',
  'REASON_OTHER'];

// The reason and the text of a request on `code`, filled from what is pending.
function askInputs(unit, code) {
  const box = element('div', {class: 'ask'});
  const kept = asksOf(unit).get(code) || {reason: '', text: ''};
  const reason = element('select', {id: 'ask-reason-' + code, 'aria-label': say('ask_reason') + ' ' + code});
  reason.add(new Option(say('ask_reason') + '…', ''));
  for (const r of ASK_REASONS) reason.add(new Option(say('reason_' + r), r));
  reason.value = kept.reason;
  const text = element('textarea', {id: 'ask-' + code, rows: '2',
    'aria-label': say('ask_text') + ' ' + code, placeholder: say('ask_text')});
  text.value = kept.text;
  const remember = () => {
    if (reason.value || text.value.trim()) {
      asksOf(unit).set(code, {reason: reason.value, text: text.value});
    } else {
      asksOf(unit).delete(code);
    }
  };
  reason.addEventListener('change', remember);
  text.addEventListener('input', remember);
  box.append(reason, text);
  return box;
}

$('request-explanation').addEventListener('click', async () => {
  $('appraisal-error').textContent = '';
  const messages = {};
  const reasons = {};
  for (const [code, ask] of asksOf(form.unit)) {
    if (!ask.text.trim()) {
      $('appraisal-error').textContent = say('ask_text_missing', {code});
      const input = $('ask-' + code);
      if (input) input.focus();
      return;
    }
    messages[code] = ask.text.trim();
    if (ask.reason) reasons[code] = ask.reason;
  }
  if (!Object.keys(messages).length) {
    $('appraisal-error').textContent = say('ask_none');
    return;
  }
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/RequestExplanation', {
      name: assessmentName(form.unit), etag: a.version, messages, reasons,
    });
    pendingAsks.delete(form.unit);
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = say('ask_sent', {n: Object.keys(messages).length});
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
