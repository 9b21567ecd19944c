// The ward office's self-assessment form and the Home Affairs office's status board and
// criterion-by-criterion appraisal. Both forms are built from the round's criteria set:
// the set's data elements (each figure typed once, in the area of the first criterion
// that reads it) and, per criterion, what belongs to it alone (a self-score, a yes/no or
// a date the criterion keeps itself, comments, evidence). Every change is scored live
// by ScoreService.PreviewScore (nothing stored) until the user saves.
'use strict';

const FIGURE_SHAPES = ['bands', 'inverse', 'linear', 'target', 'count', 'adjustment'];
// A new element; `text` set as its text. An attribute 'data-v' marks text that is data
// (a name, a title from the criteria set, what a person typed), not the page's words.
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
  if (!v) return msg('form.notEntered');
  if (v.count !== undefined) return groupThousands(String(v.count));
  if (v.milli !== undefined) {
    const n = formatMilliShort(v.milli);
    return elementType(el) === 'ELEMENT_PERCENT' ? msg('number.percent', {n}) : n;
  }
  if (v.date) return formatDate(v.date);
  if (v.not_issued) return msg('form.notIssued');
  if (v.yes !== undefined) return msg(v.yes ? 'form.yes' : 'form.no');
  return msg('form.notEntered');
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
// Beyond MAX_VALUE (engine/data_sheet.h kMaxCount), or a negative count, the error is
// said at the field: a number past 64 bits would not even reach the engine.
const MAX_VALUE = 1000000000000n;
function parseNumber(text, milli) {
  let t = text.trim().replace(/\s+/g, '');
  const shown = (v) => groupThousands(String(v));
  if (!milli) {
    if (/^-?\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, '');
    if (!/^-?\d+$/.test(t)) return {error: msg('field.notInteger')};
    const value = BigInt(t);
    if (value < 0n) return {error: msg('field.negativeCount', {n: shown(value)})};
    if (value > MAX_VALUE) return {error: msg('field.countTooLarge', {n: shown(value)})};
    return {value: String(value)};
  }
  t = t.replace(',', '.');
  const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(t);
  if (!m) return {error: msg('field.notDecimal')};
  const value = BigInt(m[2]) * 1000n + BigInt((m[3] || '').padEnd(3, '0'));
  if (value > MAX_VALUE) return {error: msg('field.tooLarge', {n: text.trim()})};
  return {value: (m[1] && value !== 0n ? '-' : '') + String(value)};
}


// ---- element inputs (ids "<prefix>-el-<code>", errors "<prefix>-el-<code>-err") ----

// The dates a round of year Y takes: 1 October of Y-1 to 31 March of Y+1, as the server
// (CheckDateInRound, server/data_sheet_write.h). Answers [min, max] as "yyyy-mm-dd", or
// null before a round is open.
function dateWindow() {
  const year = Number((form.round || {}).year || 0);
  return year ? [(year - 1) + '-10-01', (year + 1) + '-03-31'] : null;
}

// The field's message for a date outside the round's window, or ''.
function dateOutsideYear(d) {
  const span = dateWindow();
  const iso = inputDate(d);
  if (!span || (iso >= span[0] && iso <= span[1])) return '';
  return msg('field.dateOutsideYear', {n: formatDate(d), max: String(form.round.year)});
}

// «(ngày/tháng/năm)» beside a date input's label: the order Vietnamese write a date in,
// whatever the browser's own picker shows.
function dateHint() { return element('span', {class: 'date-hint'}, msg('form.dateHint')); }

// A date input limited to the round's window (the browser's picker opens within it).
function dateInput() {
  const input = element('input', {type: 'date'});
  const span = dateWindow();
  if (span) [input.min, input.max] = span;
  return input;
}

// Calls `onChange` on every edit of an input: as it is typed ('input') and when it is
// left changed ('change'). Some ways of emptying a box fire only 'change' (WebDriver's
// Element Clear, a value set by a script or a browser's form filler): an emptied box is
// an edit like any other, to save and to preview.
function listenForEdits(input, onChange) {
  if (input.tagName === 'SELECT') {
    input.addEventListener('change', onChange);
    return;
  }
  // «change» after typing only repeats what «input» said, and it comes late: on leaving
  // the box, after a «Lưu» that may already have saved it (then it would mark a saved
  // box changed again). Taken when the box holds what no «input» saw (emptied by a
  // script).
  const state = () => (input.type === 'checkbox' ? String(input.checked) : input.value);
  let seen = state();
  input.addEventListener('input', (event) => {
    seen = state();
    onChange(event);
  });
  input.addEventListener('change', (event) => {
    if (state() === seen) return;
    seen = state();
    onChange(event);
  });
}

function elementInput(prefix, el, value, editable, onChange) {
  const id = prefix + '-el-' + el.code;
  const type = elementType(el);
  let input;
  const extra = [];
  if (type === 'ELEMENT_DATE') {
    input = dateInput();
    if (value && value.date) {
      input.value = inputDate(value.date);
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
    label.append(check, ' ' + msg('form.notIssued'));
    extra.push(label);
  } else if (type === 'ELEMENT_YES_NO') {
    input = element('select');
    input.add(new Option(msg('form.choose'), ''));
    input.add(new Option(msg('form.yes'), 'true'));
    input.add(new Option(msg('form.no'), 'false'));
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
  listenForEdits(input, onChange);
  return {input, extra};
}

// The field of one element: its label, help, period and the input.
function elementField(prefix, el, value, editable, onChange) {
  const id = prefix + '-el-' + el.code;
  const wrap = element('div', {class: 'field element', id: id + '-field'});
  const {input, extra} = elementInput(prefix, el, value, editable, onChange);
  input.setAttribute('aria-describedby', id + '-help ' + id + '-err');
  const label = wrap.appendChild(element('label', {for: id}));
  label.append(element('span', {'data-v': ''}, el.label || el.code));
  if (elementType(el) === 'ELEMENT_DATE') label.append(' ', dateHint());
  const help = element('p', {class: 'help', id: id + '-help'});
  if (el.help) help.append(element('span', {'data-v': ''}, el.help));
  if (el.period) help.append(element('span', {class: 'period'}, msg('form.periodOf', {period: el.period})));
  wrap.appendChild(help);
  const line = element('div', {class: 'control'});
  line.append(input, ...extra);
  wrap.appendChild(line);
  wrap.appendChild(element('p', {id: id + '-err', class: 'error field-error', 'aria-live': 'polite'}));
  recordsFigure(wrap, prefix, el, form.values.get(el.code) || null);  // records.js
  tasksFigure(wrap, prefix, el, form.values.get(el.code) || null);  // tasks.js
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
    if (!m) return {value: {}};
    const date = {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])};
    const outside = dateOutsideYear(date);
    return outside ? {error: outside} : {value: {date}};
  }
  if (type === 'ELEMENT_YES_NO') {
    return {value: input.value === '' ? {} : {yes: input.value === 'true'}};
  }
  if (input.value.trim() === '') return {value: {}};
  const n = parseNumber(input.value, isMilli(el));
  if (n.error) return {error: n.error};
  return {value: isMilli(el) ? {milli: n.value} : {count: n.value}};
}

// Whether two ElementValues say the same (int64 counts come as strings in JSON).
function sameValue(a, b) {
  const key = (v) => JSON.stringify(['count', 'milli', 'date', 'not_issued', 'yes'].map((k) => {
    const x = (v || {})[k];
    if (x === undefined || x === null) return null;
    if (k === 'date') return [Number(x.year || 0), Number(x.month || 0), Number(x.day || 0)];
    return typeof x === 'boolean' ? x : String(x);
  }));
  return key(a) === key(b);
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
    // Typed back to what is stored: nothing to save ("Đã lưu" would not be true).
    if (withEtags && sameValue(read.value, (form.values.get(code) || {})[prefix === 'a' ? 'appraised' : 'self'])) {
      form.dirtyValues.delete(code);
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
// The engine's refusals of a value the form can send, by message key; $1, $2 the n, max.
const FIELD_MESSAGES = [
  [/^negative count \((-?\d+)\)$/, 'field.negativeCount'],
  [/^negative value \((.*)\)$/, 'field.negative'],
  [/^count too large \((\d+)\)$/, 'field.countTooLarge'],
  [/^value too large \((.*)\)$/, 'field.tooLarge'],
  [/^(.*)% is more than 100%$/, 'field.overHundred'],
  [/^(.*) is not a whole number of items$/, 'field.notWhole'],
  [/^expects .*$/, 'field.wrongType'],
  [/^not a valid date$/, 'field.badDate'],
  [/^(\d{4}-\d{2}-\d{2}) is outside the round's year (\d+) .*$/, 'field.dateOutsideYear'],
  [/^(-?[\d.]+) is outside 0\.\.([\d.]+) for criterion .*$/, 'field.scoreRange'],
];

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
  // The sides' whole numbers Vietnamese style: "= 1234" → "= 1.234".
  return localise(withLabels(m[1] + ', ' + msg('relation.' + m[2]) + ' ' + m[3]))
      .replace(/= (\d{4,})(?!\d|,\d)/g, (all, n) => '= ' + groupThousands(n));
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
  for (const [pattern, key] of FIELD_MESSAGES) {
    const m = pattern.exec(t);
    if (m) return localise(msg(key, {n: m[1], max: m[2]}));
  }
  return msg('field.invalid');
}

function showElementError(prefix, code, text, serverText) {
  const target = $(prefix + '-el-' + code + '-err');
  if (!target) return false;
  showText(target, text, serverText && text === msg('field.invalid') ? serverText : '');
  // A broken validation rule speaks in the set's own words (its message, the labels):
  // data, like the set's titles.
  if (/: rule [^:]+:/.test(serverText || '')) target.dataset.v = '';
  else delete target.dataset.v;
  const input = $(prefix + '-el-' + code);
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

// Shows a server error next to the field it names, in Vietnamese (the server's words in
// its title): "values[0].value: …" / "updates[0].value: …" (the i-th of `valueCodes`),
// "dataSheet.resolved: …", or "entries[1].self.score: …" / "updates[1].entry.self…"
// (the i-th of `criterionCodes`). Answers false when the error names no field here.
function showFieldError(prefix, valueCodes, criterionCodes, error) {
  const message = error.serverWords || '';
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
  const text = fieldMessage(m[3], '');
  showText(target, text, text === msg('field.invalid') ? message : '');
  const input = $(prefix + '-' + criterion + '-' + m[2]);
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

function clearFieldErrors(prefix) {
  for (const e of document.querySelectorAll('.field-error')) {
    if (e.id.startsWith(prefix + '-')) {
      e.textContent = '';
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
  box.appendChild(element('p', {class: 'warnings-title'}, msg('form.warningsTitle')));
  const ul = element('ul');
  for (const w of list) {
    const item = element('li', {title: msg('form.warningGo'), 'data-v': '', tabindex: '0'},
        ruleText(w.message));
    const go = () => {
      const input = $(prefix + '-el-' + (w.elements || [])[0]);
      if (input) input.focus();
    };
    item.addEventListener('click', go);
    item.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    ul.appendChild(item);
    for (const code of w.elements || []) {
      const field = $(prefix + '-el-' + code + '-field');
      if (field) field.classList.add('warned');
    }
  }
  box.appendChild(ul);
}

// Engine text, asked for in Vietnamese (language: 'VIETNAMESE'), written the
// Vietnamese way: dates day first, the decimal comma, a space before %.
function localise(text) {
  return (text || '')
      .replace(/(\d{4})-(\d{2})-(\d{2})/g, '$3/$2/$1')
      .replace(/(\d)\.(\d)/g, '$1,$2')
      .replace(/(\d)%/g, '$1\u00a0%');
}

function formatBytes(n) {
  const v = Number(n || 0);
  if (v < 1024) return msg('bytes.B', {n: v});
  if (v < 1024 * 1024) return msg('bytes.KB', {n: (v / 1024).toFixed(1).replace('.', ',')});
  return msg('bytes.MB', {n: (v / 1024 / 1024).toFixed(1).replace('.', ',')});
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
  if (own === 'done') {
    return values.done === undefined ? msg('form.notEntered') : msg(values.done ? 'form.yes' : 'form.no');
  }
  if (own === 'issued') {
    return values.issued ? msg('form.issuedOn', {date: formatDate(values.issued)}) : msg('form.notEntered');
  }
  if (own === 'score') {
    return values.score_milli === undefined ? msg('form.notScored')
                                            : msg('number.points', {n: formatMilli(values.score_milli)});
  }
  if (own === 'survey') {
    const s = values.survey;
    if (!s) return msg('form.noSurvey');
    if (s.percent_milli !== undefined) return msg('number.percent', {n: formatMilli(s.percent_milli)});
    return msg('form.survey', {a: s.a || 0, b: s.b || 0, c: s.c || 0, d: s.d || 0});
  }
  return msg('form.notEntered');
}

// ---- a criterion's own inputs (ids "<prefix>-<code>-<field>") ----

function ownInputs(prefix, criterion, values, editable, onChange) {
  const box = element('div', {class: 'inputs'});
  const code = criterion.code;
  const own = ownValueOf(criterion);
  values = values || {};
  const add = (field, text, input, hint) => {
    const wrap = element('div', {class: 'field'});
    input.id = prefix + '-' + code + '-' + field;
    input.disabled = !editable;
    input.setAttribute('aria-describedby', prefix + '-err-' + code);
    listenForEdits(input, onChange);
    const label = element('label', {for: input.id}, text);
    if (hint) label.append(' ', hint);
    wrap.append(label, input);
    box.appendChild(wrap);
  };
  if (own === 'done') {
    const select = element('select');
    select.add(new Option(msg('form.choose'), ''));
    select.add(new Option(msg('form.yes'), 'true'));
    select.add(new Option(msg('form.no'), 'false'));
    select.value = values.done === undefined ? '' : String(values.done);
    add('done', msg('form.done'), select);
  } else if (own === 'issued') {
    const d = values.issued;
    const input = dateInput();
    if (d) input.value = inputDate(d);
    add('issued', msg('form.issued'), input, dateHint());
  } else if (own === 'score') {
    const input = element('input', {type: 'text', inputmode: 'decimal', autocomplete: 'off'});
    if (values.score_milli !== undefined) input.value = formatMilliShort(values.score_milli);
    add('score', msg('form.score', {max: formatMilliShort(criterion.max_milli)}), input);
  } else if (own === 'survey') {
    box.append(element('p', {class: 'note'},
        msg('form.surveyNote', {value: describeValues(criterion, values)})));
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
    if (!m) return {};
    const issued = {year: Number(m[1]), month: Number(m[2]), day: Number(m[3])};
    const outside = dateOutsideYear(issued);
    return outside ? {error: outside} : {issued};
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
  // The engine's words, put into Vietnamese (localise): data, checked as such.
  set('value', value);
  set('target', c.status === 'NOT_APPLICABLE' ? notApplicableWhy(c) : localise(trace.applied));
  const points = msg('number.ofMax',
      {n: formatMilli(c.points_milli), max: formatMilli(c.applicable_max_milli)});
  set('points', msgOr('form.status.' + c.status, 'number.ofMax', {points, n: formatMilli(c.points_milli),
    max: formatMilli(c.applicable_max_milli)}));
  // A figure kept on the criterion itself from before data sheets overrides the sheet.
  const copies = $(prefix + '-copies-' + c.code);
  if (copies) {
    const kept = (trace.inputs || []).filter((f) => f.from_entry);
    copies.textContent = kept.length ? msg('form.copies',
        {list: kept.map((f) => (f.label || f.name) + ' = ' + f.value).join('; ')}) : '';
  }
}

// Why a criterion does not apply, as the engine decides it (engine/explain.cc and the
// shapes' Explain), in the page's words: its indicator's denominator is 0, no survey
// answers, or the plan sets no target or no deadline for it; the set says whether that
// drops it from the maximum or gives it full marks. Anything else: the engine's own
// reason (asked for in Vietnamese).
function notApplicableWhy(c) {
  const trace = c.trace || {};
  const criterion = form.criteria.get(c.code);
  const shape = criterion ? shapeOf(criterion) : '';
  const indicator = trace.indicator &&
      (session.set.indicators || []).find((i) => i.id === trace.indicator);
  const names = (indicator && indicator.denominator) || [];
  const read = new Map((trace.inputs || []).map((f) => [f.name, Number(f.value || 0)]));
  let why;
  if (names.length && names.every((n) => read.get(n) === 0)) {
    why = msg('form.na.zero', {what: names.map(labelOf).join(' + ')});
  } else if (shape === 'survey') {
    why = msg('form.na.noSurvey');
  } else if (shape === 'deadline') {
    why = msg('form.na.noDeadline');
  } else if (shape === 'target') {
    why = msg('form.na.noTarget', {indicator: indicator ? indicator.title : trace.indicator});
  } else {
    return localise(trace.reason);
  }
  return msg('form.na', {why,
    then: msg(Number(c.points_milli || 0) > 0 ? 'form.na.fullMarks' : 'form.na.dropped')});
}

// A score's total line; for the appraised column of a unit the office has appraised
// nothing of, the server's not_appraised (HasAppraisal), and for the self-assessed
// column of a unit that never started, not_started: no index to show.
function totalText(score) {
  if (score.not_appraised) return msg('results.notAppraised');
  if (score.not_started) return msg('results.notStarted');
  return msg('number.total', {index: formatIndex(score.index_hundredths),
    points: formatMilli(score.achieved_milli), max: formatMilli(score.applicable_max_milli)});
}

// A labelled slot of a criterion's card: <div class="slot"><span>title</span>…</div>.
function slot(parent, title, id, className) {
  const div = element('div', {class: 'slot' + (className ? ' ' + className : '')});
  div.appendChild(element('span', {class: 'slot-title'}, title));
  const body = element('div', {class: 'slot-body'});
  if (id) body.id = id;
  // A criterion's value and target are the engine's explanation (localise): data.
  if (/^[wa]-(value|target)-/.test(id || '')) body.dataset.v = '';
  div.appendChild(body);
  parent.appendChild(div);
  return body;
}

// One section per area: a heading per criterion with sub-criteria and a card per leaf,
// built by `leafCard(card, criterion)`; elements no criterion reads come last.
function renderAreas(container, prefix, leafCard, unreadFields, areaHead) {
  container.replaceChildren();
  for (const area of session.set.areas || []) {
    const section = element('section', {class: 'area', id: prefix + '-area-' + area.code});
    section.appendChild(element('h3', {}, msg('form.areaHeading',
        {code: area.code, title: area.title, max: formatMilli(area.max_milli)})));
    if (areaHead) areaHead(section, area);
    const walk = (criteria, depth) => {
      for (const c of criteria || []) {
        if ((c.criteria || []).length) {
          const group = element('div', {class: 'group', id: prefix + '-group-' + c.code});
          group.appendChild(element('h4', {}, msg('form.groupHeading',
              {code: c.code, title: c.title, max: formatMilli(c.max_milli)})));
          group.appendChild(element('span', {class: 'group-points', id: prefix + '-points-' + c.code}));
          section.appendChild(group);
          walk(c.criteria, depth + 1);
        } else {
          const card = element('article', {class: 'criterion', id: prefix + '-row-' + c.code});
          const head = element('h4', {class: 'criterion-title'});
          head.append(element('span', {class: 'code', 'data-v': ''}, c.code), ' ' +
              msg('form.criterionHeading', {title: c.title, max: formatMilli(c.max_milli)}));
          card.appendChild(head);
          if (c.guidance) card.appendChild(element('p', {class: 'note guidance', 'data-v': ''}, c.guidance));
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
    section.appendChild(element('h3', {}, msg('form.otherElements')));
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
      p.append(element('span', {'data-v': ''}, el.label), ': ', value, ' ' + msg('form.sharedAt', {code: where}));
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
          language: 'VIETNAMESE',
        });
        if (mine !== sequence) return;
        // The error line is cleared unless a field still holds an error (a save that
        // could not happen says so there until the field is put right).
        const wrong = [...document.querySelectorAll('.field-error:not(:empty)')]
            .some((e) => e.id.startsWith(prefix + '-'));
        // An error about something else (a file refused) stays until the next action.
        if (!wrong && !$(errorId).dataset.kept) showText(errorId, '');
        onScore(score);
        showWarnings(prefix, warningsId, score.warnings);
      } catch (e) {
        if (mine !== sequence) return;
        if (!showFieldError(prefix, values.map((v) => v.element), entries.map((x) => x.entry.criterion), e)) {
          showError(errorId, e);
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
  form.draftBase = new Map();  // code -> the stored version a draft was typed over
  form.draftConflicts = new Set();  // codes whose draft and stored value wait for a choice
  form.assessment = assessment;
  form.entries = new Map((form.assessment.entries || []).map((e) => [e.criterion, e]));
  form.values = new Map((form.assessment.values || []).map((v) => [v.element, v]));
  form.criteria = new Map(leaves((session.set.areas || []).flatMap((a) => a.criteria || []), [])
      .map((c) => [c.code, c]));
  form.areaOf = new Map();
  for (const area of session.set.areas || []) {
    for (const c of leaves(area.criteria, [])) form.areaOf.set(c.code, area.code);
  }
  form.layout = sheetLayout();
}

// ---- texts: the server's limits (proto/parindex/v1/assessment.proto) at the field ----

// Bytes of UTF-8 each text may hold: a Vietnamese letter with its marks takes 2–3, so
// the counter speaks in percent of the limit, not in letters.
const TEXT_LIMITS = {comment: 2000, explanation: 4000, question: 2000};
// What request_check.cc refuses in a text: control, direction and invisible characters.
const TEXT_FAULT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

function textBytes(text) { return new TextEncoder().encode(text || '').length; }

// What is wrong with a text for a limit of `max` bytes, in Vietnamese, or ''.
function textProblem(text, max) {
  if (TEXT_FAULT.test(text || '')) return msg('text.invisible');
  const bytes = textBytes(text);
  return bytes > max ? msg('text.tooLong', {pct: String(Math.ceil(bytes * 100 / max))}) : '';
}

// A counter under a text input (id "<input id>-count"): from 80 % of the limit, how much
// of it is used; over it, what is wrong. Answers the counter, for the caller to place.
function textCounter(input, max) {
  const counter = element('p', {id: input.id + '-count', class: 'counter', 'aria-live': 'polite'});
  const update = () => {
    const problem = textProblem(input.value, max);
    const pct = Math.floor(textBytes(input.value) * 100 / max);
    counter.textContent = problem || (pct >= 80 ? msg('text.used', {pct: String(pct)}) : '');
    counter.classList.toggle('error', !!problem);
    if (problem) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  listenForEdits(input, update);
  input.setAttribute('aria-describedby',
      ((input.getAttribute('aria-describedby') || '') + ' ' + counter.id).trim());
  update();
  return counter;
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
        if (target) showText(target, typed.error);
        const input = $(prefix + '-' + code + '-score') || $(prefix + '-' + code + '-issued');
        if (input) input.setAttribute('aria-invalid', 'true');
        continue;
      }
      entry[side] = typed;
      mask.push(side);
    }
    const comment = $(commentId(prefix, code));
    if (comment && textProblem(comment.value, TEXT_LIMITS.comment)) {
      // Said at the field, by its counter; the criterion waits (its value too), for a
      // preview as for a save.
      const target = $(prefix + '-err-' + code);
      if (target) showText(target, textProblem(comment.value, TEXT_LIMITS.comment));
      comment.setAttribute('aria-invalid', 'true');
      continue;
    }
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
      // Typed back to what is stored: nothing to save.
      const field = side === 'self' ? 'comment' : 'appraisal_comment';
      const same = (!mask.includes(side) || sameOwn(entry[side], stored[side])) &&
          (!mask.includes(field) || (entry[field] || '') === (stored[field] || ''));
      if (same) {
        form.dirty.delete(code);
        continue;
      }
      out.push({entry, mask});
    }
  }
  return out;
}

// Whether two EntryValues give the same own value (done, issued, score_milli).
function sameOwn(a, b) {
  const key = (v) => JSON.stringify(['done', 'issued', 'score_milli'].map((k) => {
    const x = (v || {})[k];
    if (x === undefined || x === null) return null;
    if (k === 'issued') return [Number(x.year || 0), Number(x.month || 0), Number(x.day || 0)];
    return typeof x === 'boolean' ? x : String(x);
  }));
  return key(a) === key(b);
}

// Stores the changed element values (UpdateDataSheet, with each value's version as its
// etag), then the changed criteria (BatchUpdateEntries). Answers the counts stored, or
// null after showing the error.
async function saveChanged(prefix, side, errorId, warningsId) {
  clearFieldErrors(prefix);
  // A restored draft over a value saved since: the person chooses first.
  for (const code of form.draftConflicts) showElementError(prefix, code, msg('draft.chooseFirst'), '');
  const values = changedValues(prefix, true);
  const updates = changedEntries(prefix, side, false);
  // A value that cannot be read is shown at its field: the save says so and goes there.
  const wrong = [...document.querySelectorAll('.field-error:not(:empty)')]
      .filter((e) => e.id.startsWith(prefix + '-'));
  if (wrong.length) {
    showText(errorId, msg('form.cannotSave', {n: wrong.length}));
    const input = document.querySelector('[aria-invalid=true][id^="' + prefix + '-"]');
    if (input) input.focus();
    return null;
  }
  try {
    if (values.length) {
      const sheet = await call('AssessmentService/UpdateDataSheet', {
        parent: assessmentName(form.unit), updates: values,
      });
      form.values = new Map((sheet.values || []).map((v) => [v.element, v]));
      form.dirtyValues.clear();
      form.draftBase.clear();
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
    if (showFieldError(prefix, values.map((v) => v.element), updates.map((u) => u.entry.criterion), e)) {
      showText(errorId, msg('form.cannotSave', {n: 1}));
      const input = document.querySelector('[aria-invalid=true][id^="' + prefix + '-"]');
      if (input) input.focus();
    } else {
      showError(errorId, e);
    }
    return null;
  }
}

function savedText(saved) {
  const parts = [];
  if (saved.values) parts.push(msg('form.savedValues', {n: saved.values}));
  if (saved.entries) parts.push(msg('form.savedEntries', {n: saved.entries}));
  return parts.join(', ');
}

// The entry's evidence: uploaded files as download links, references as text.
function evidenceList(entry, errorId, removable) {
  const list = element('ul', {class: 'evidence'});
  for (const ev of (entry || {}).evidence || []) {
    const item = element('li');
    if (Number(ev.id || 0) > 0) {
      const url = '/v1/' + assessmentName(form.unit) + '/evidence/' + ev.id;
      const link = element('a', {href: url, 'data-v': ''}, ev.file_name);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        downloadFile(url, ev.file_name, errorId);
      });
      item.append(link, ' (' + formatBytes(ev.size_bytes) + ')');
      if (removable && removable(ev)) removeControls(item, entry, ev, removable.done);
    } else {
      item.dataset.v = '';
      item.textContent = [ev.document_type, ev.number, ev.summary].filter((x) => x).join(' – ');
    }
    list.appendChild(item);
  }
  return list;
}

// A request id for a write the page may send again (a retry after a lost answer).
function requestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'web-' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// «Xóa» beside a file the person may remove, asking first in the file's line; the
// refusal is said in that line too. `done(entry)` runs with the entry read again.
function removeControls(item, entry, ev, done) {
  const button = element('button', {type: 'button', class: 'remove-file', id: 'remove-' + ev.id,
    'aria-label': msg('file.removeLabel', {name: ev.file_name})}, msg('file.remove'));
  const ask = element('div', {class: 'remove-confirm', id: 'remove-confirm-' + ev.id, role: 'group',
    'aria-labelledby': 'remove-question-' + ev.id});
  ask.hidden = true;
  const question = element('p', {id: 'remove-question-' + ev.id},
      msg('file.removeQuestion', {name: ev.file_name, code: entry.criterion}));
  const yes = element('button', {type: 'button', id: 'remove-yes-' + ev.id}, msg('file.removeYes'));
  const no = element('button', {type: 'button', id: 'remove-no-' + ev.id}, msg('file.removeNo'));
  ask.append(question, yes, no);
  const error = element('p', {class: 'error file-error', id: 'remove-error-' + ev.id, role: 'alert'});
  button.addEventListener('click', () => {
    showText(error, '');
    ask.hidden = false;
    no.focus();  // the safe answer first: Enter does not remove
  });
  no.addEventListener('click', () => {
    ask.hidden = true;
    button.focus();
  });
  // One id for this removal: a retry of a lost answer is not a second removal.
  const id = requestId();
  yes.addEventListener('click', async () => {
    if (yes.getAttribute('aria-busy') === 'true') return;
    yes.setAttribute('aria-busy', 'true');
    try {
      // The entry's version as the page knows it now (a save since moved it on).
      const known = form.entries.get(entry.criterion) || entry;
      await call('AssessmentService/DeleteEvidence', {name: assessmentName(form.unit) +
          '/evidence/' + ev.id, etag: known.version || 0, request_id: id});
      const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
      const fresh = (a.entries || []).find((e) => e.criterion === entry.criterion) ||
          {criterion: entry.criterion};
      form.entries.set(entry.criterion, fresh);
      await done(fresh, ev);
    } catch (e) {
      ask.hidden = true;
      const refused = new Error(msgOr('file.removeRefused.' + e.code, 'file.removeRefused',
          {name: ev.file_name, why: e.message}));
      refused.serverWords = e.serverWords;
      showError(error, refused);
      button.focus();
    } finally {
      yes.removeAttribute('aria-busy');
    }
  });
  item.append(' ', button, ask, error);
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

// A button whose action is running ignores more clicks, so that a double click sends
// once (a second save over the versions the first one replaced would be refused as a
// change by someone else); it is marked aria-busy until the action ends.
function onAction(id, action) {
  const button = $(id);
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      button.removeAttribute('aria-busy');
    }
  });
}

// ---- the ward's drafts: what was typed and not yet saved, kept in this browser ----

// Per account (or token), round and unit: one person never sees another's draft.
const DRAFT_PREFIX = 'parindex.draft.';
function draftKey() {
  return DRAFT_PREFIX + draftOwner(session.caller.key) + '.' + $('round').value + '.' + form.unit;
}

// The account's part of a draft's key, with no dot of its own.
function draftOwner(key) { return encodeURIComponent(key || '').replace(/\./g, '%2E'); }

// Forgets every draft `key`'s person left in this browser (signing out).
function forgetDrafts(key) {
  const prefix = DRAFT_PREFIX + draftOwner(key) + '.';
  const mine = [];
  for (let i = 0; i < localStorage.length; i++) {
    if (localStorage.key(i).startsWith(prefix)) mine.push(localStorage.key(i));
  }
  for (const k of mine) localStorage.removeItem(k);
}

// The ward's typed, unsaved inputs by id (value, or checked for a box), with the
// elements and criteria they belong to.
function saveDraft() {
  markReportUnsaved();
  if (!form.editable && !form.explaining) return;
  const inputs = {};
  const keep = (id) => {
    const e = $(id);
    if (e) inputs[id] = e.type === 'checkbox' ? e.checked : e.value;
  };
  for (const code of form.dirtyValues) {
    keep('w-el-' + code);
    keep('w-el-' + code + '-not-issued');
  }
  for (const code of form.dirty) {
    for (const f of ['done', 'issued', 'score']) keep('w-' + code + '-' + f);
    keep(commentId('w', code));
  }
  for (const e of document.querySelectorAll('textarea[id^="explain-"]')) {
    if (e.dataset.dirty) keep(e.id);
  }
  if (!Object.keys(inputs).length) {
    localStorage.removeItem(draftKey());
    return;
  }
  // The version of each stored value the draft is typed over (draftBase): a draft
  // restored after someone saved that value since says so (draftConflicts).
  const base = {};
  for (const code of form.dirtyValues) {
    if (!form.draftBase.has(code)) form.draftBase.set(code, storedVersion(code));
    base[code] = form.draftBase.get(code);
  }
  localStorage.setItem(draftKey(), JSON.stringify({
    values: [...form.dirtyValues], entries: [...form.dirty], inputs, base,
  }));
}

function storedVersion(code) { return Number((form.values.get(code) || {}).version || 0); }

// How many inputs this browser's draft of the form holds (0: none).
function draftInputCount() {
  const draft = readDraft(draftKey());
  return draft && draft.inputs ? Object.keys(draft.inputs).length : 0;
}

// Puts a kept draft back into the form; answers how many inputs it restored.
function restoreDraft() { return applyDraft(readDraft(draftKey()), 'w'); }

// The draft kept under `key`, or null.
function readDraft(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch (e) {
    return null;
  }
}

// Puts `draft`'s inputs into the form on screen (`prefix` 'w' the ward's, 'a' the
// appraisal); answers how many it restored.
function applyDraft(draft, prefix) {
  if (!draft || !draft.inputs) return 0;
  let restored = 0;
  for (const [id, value] of Object.entries(draft.inputs)) {
    const e = $(id);
    if (!e || e.disabled && e.type !== 'date') continue;
    if (e.type === 'checkbox') {
      e.checked = !!value;
      const date = $(id.replace(/-not-issued$/, ''));
      if (date) date.disabled = e.checked;
    } else {
      e.value = value;
    }
    if (e.tagName === 'TEXTAREA') e.dataset.dirty = '1';
    restored += 1;
  }
  for (const code of draft.values || []) {
    if (form.layout.byCode.has(code)) {
      form.dirtyValues.add(code);
      refreshShared(prefix, code);
      const base = (draft.base || {})[code];
      if (base === undefined) continue;
      form.draftBase.set(code, Number(base));
      if (Number(base) !== storedVersion(code)) showDraftConflict(code, prefix);
    }
  }
  for (const code of draft.entries || []) if (form.criteria.has(code)) form.dirty.add(code);
  return restored;
}

// A restored draft's value that someone saved since it was typed (another tab, another
// computer): the field says what is stored now, by whom it was saved and when, and asks
// which to keep; «Lưu» waits for the answer (saveChanged). `prefix`: 'w' the ward's
// form, 'a' the appraisal (its appraised value, else the unit's).
function showDraftConflict(code, prefix) {
  const p = prefix || 'w';
  const el = form.layout.byCode.get(code);
  const field = $(p + '-el-' + code + '-field');
  if (!el || !field) return;
  form.draftConflicts.add(code);
  const dv = form.values.get(code) || {};
  const stored = p === 'a' && hasValue(dv.appraised) ? dv.appraised : dv.self;
  const keep = p === 'a' ? saveAppraisalDraft : saveDraft;
  const read = readElement(p, el);
  const box = element('div', {class: 'conflict', id: p + '-el-' + code + '-conflict', role: 'group'});
  box.appendChild(element('p', {id: p + '-el-' + code + '-conflict-text'}, msg('draft.conflict', {
    stored: describeElementValue(el, hasValue(stored) ? stored : null),
    time: stored && stored.updated_at ? formatTime(stored.updated_at) : '',
    mine: read.error ? $(p + '-el-' + code).value : describeElementValue(el, hasValue(read.value) ? read.value : null),
  })));
  const mine = element('button', {type: 'button', id: p + '-el-' + code + '-keep-mine'}, msg('draft.keepMine'));
  const theirs = element('button', {type: 'button', id: p + '-el-' + code + '-keep-stored'}, msg('draft.keepStored'));
  mine.addEventListener('click', () => {
    // Typed over the value as it is now: «Lưu» replaces it.
    form.draftConflicts.delete(code);
    form.draftBase.set(code, storedVersion(code));
    box.remove();
    showText(p + '-el-' + code + '-err', '');
    keep();
    $(p + '-el-' + code).focus();
  });
  theirs.addEventListener('click', async () => {
    // The draft's value goes; the form shows the stored one again.
    form.draftConflicts.delete(code);
    form.draftBase.delete(code);
    form.dirtyValues.delete(code);
    keep();
    if (p === 'a') await showAppraisal(form.unit);
    else await showForm();
  });
  box.append(mine, ' ', theirs);
  field.appendChild(box);
}

// ---- the appraiser's drafts: the appraisal typed and not yet saved (values, own
// values, comments) and the questions not yet sent, kept in this browser per account,
// round and unit as the ward's are; the session may end before «Lưu thẩm định» ----

function appraisalDraftKey(unit) {
  return DRAFT_PREFIX + draftOwner(session.caller.key) + '.' + $('round').value + '.' +
      (unit || form.unit) + '.appraisal';
}

function saveAppraisalDraft() {
  if (!form.appraising || !session.caller || !form.unit) return;
  const inputs = {};
  const keep = (id) => {
    const e = $(id);
    if (e) inputs[id] = e.type === 'checkbox' ? e.checked : e.value;
  };
  for (const code of form.dirtyValues) {
    keep('a-el-' + code);
    keep('a-el-' + code + '-not-issued');
  }
  for (const code of form.dirty) {
    for (const f of ['done', 'issued', 'score']) keep('a-' + code + '-' + f);
    keep(commentId('a', code));
  }
  const asks = Object.fromEntries(asksOf(form.unit));
  if (!Object.keys(inputs).length && !Object.keys(asks).length) {
    localStorage.removeItem(appraisalDraftKey());
    return;
  }
  const base = {};
  for (const code of form.dirtyValues) {
    if (!form.draftBase.has(code)) form.draftBase.set(code, storedVersion(code));
    base[code] = form.draftBase.get(code);
  }
  localStorage.setItem(appraisalDraftKey(), JSON.stringify({
    values: [...form.dirtyValues], entries: [...form.dirty], inputs, base, asks,
  }));
}

// The questions of `unit`'s kept draft not in this page any more (a session that ended,
// a reload): back into pendingAsks, before the appraisal is drawn. Answers how many.
function restoreAppraisalAsks(unit) {
  const draft = readDraft(appraisalDraftKey(unit));
  let restored = 0;
  for (const [code, ask] of Object.entries((draft || {}).asks || {})) {
    if (asksOf(unit).has(code) || !ask || !form.criteria.has(code)) continue;
    asksOf(unit).set(code, {reason: String(ask.reason || ''), text: String(ask.text || '')});
    restored += 1;
  }
  return restored;
}

// Where to come back to after signing in again, when a session ends under the
// appraisal of a unit (app.js call): the person, the round and the unit.
function resumePoint() {
  if ($('appraisal').hidden || !form.unit || !session.caller) return null;
  return {key: session.caller.key, round: $('round').value, unit: form.unit};
}

// Typed and not saved: the ward's form (values, criteria, answers), or the appraiser's
// appraisal of a unit.
function unsavedChanges() {
  if (!$('appraisal').hidden) {
    // Also questions typed and not yet sent (pendingAsks; kept in the draft too).
    return !!form.appraising &&
        (form.dirty.size > 0 || form.dirtyValues.size > 0 || asksOf(form.unit).size > 0);
  }
  return !$('form').hidden && (form.editable || form.explaining) &&
      (form.dirty.size > 0 || form.dirtyValues.size > 0 ||
       !!document.querySelector('textarea[id^="explain-"][data-dirty]'));
}

// Whether to leave the view on screen for another one (the header's buttons, the round
// picker, «Về bảng theo dõi»): yes when nothing typed is unsaved, else the person says.
// The typing stays in this browser's draft, the ward's as the appraiser's.
function leaveView() {
  if (!unsavedChanges()) return true;
  return window.confirm(msg($('appraisal').hidden ? 'form.leaveUnsaved' : 'appraisal.leaveUnsaved'));
}

// Leaving the page (a reload, a closed tab) with typed, unsaved changes asks first.
window.addEventListener('beforeunload', (event) => {
  if (!unsavedChanges()) return;
  event.preventDefault();
  event.returnValue = msg('form.leaveWarning');
});

// ---- why a form is read-only, progress ----

// Why the ward cannot change its form now and what it can do: {why, what}, or null.
// Whether the signed-in caller may do `action` to the form now, as the server says
// (Assessment.actions, server/policy.cc CheckActions: the same rules its calls apply):
// the page shows a button for what the server allows, and restates no rule.
function mayDo(assessment, action) {
  return (assessment.actions || []).some((a) => a.action === action && a.allowed === true);
}

// The server's reason for refusing `action` now ('' when it allows it).
function refusalOf(assessment, action) {
  const check = (assessment.actions || []).find((a) => a.action === action);
  return check && !check.allowed ? check.refusal || '' : '';
}

// Why the form cannot be changed, in words for the clerk, when the server allows
// neither editing nor explaining (mayDo).
function readOnlyReason(round, assessment) {
  const state = assessment.state;
  const phase = phaseTitle(round.phase);
  if (state === 'STATE_FINAL') return {why: msg('form.readOnly.final'), what: ''};
  if (round.phase === 'PHASE_DRAFT') return {why: msg('form.readOnly.notOpen', {phase}), what: ''};
  if (round.phase === 'PHASE_SELF_ASSESSMENT') {
    if (!['STATE_NOT_STARTED', 'STATE_DRAFT'].includes(state)) {
      // Who submitted and when: Assessment.submitted_by / submitted_at (the server
      // reads them from the audit trail, which a ward cannot).
      const time = formatTime(assessment.submitted_at || assessment.updated_at);
      const why = assessment.submitted_by
        ? msg('form.readOnly.submittedBy', {time, who: assessment.submitted_by})
        : msg('form.readOnly.submitted', {time});
      return {why, what: msg('form.readOnly.what')};
    }
    const due = round.self_assessment_deadline;
    if (due && Date.now() > Date.parse(due) && !assessment.reopened) {
      return {why: msg('form.readOnly.deadline', {time: formatTime(due)}),
        what: msg('form.readOnly.what')};
    }
    return null;
  }
  if (round.phase === 'PHASE_EXPLANATION' && state === 'STATE_EXPLANATION_REQUESTED') {
    const due = round.explanation_deadline;
    if (due && Date.now() > Date.parse(due) && !assessment.reopened) {
      return {why: msg('form.readOnly.deadline', {time: formatTime(due)}),
        what: msg('form.readOnly.what')};
    }
    return null;
  }
  // Past self-assessment without ever submitting: said first, since it is what the
  // unit's score in the rounds' results will show.
  if (['STATE_NOT_STARTED', 'STATE_DRAFT'].includes(state)) {
    return {why: msg('form.readOnly.neverSubmitted', {phase}),
      what: msg('form.readOnly.whatNeverSubmitted')};
  }
  const asked = (assessment.entries || []).filter((e) => e.explanation_request).length;
  const why = msg('form.readOnly.appraisal', {phase});
  if (round.phase === 'PHASE_APPRAISAL') {
    // Asked already: the answer waits for the explanation phase, not for another notice.
    return {why, what: asked ? msg('form.readOnly.askedLater', {n: asked}) : msg('form.readOnly.whatLater')};
  }
  if (round.phase === 'PHASE_EXPLANATION') {
    if (state === 'STATE_EXPLAINED') {
      return {why: msg('form.readOnly.explained'), what: msg('form.readOnly.whatExplained')};
    }
    return {why, what: msg('form.readOnly.notAsked')};
  }
  return {why, what: msg('form.readOnly.afterExplanation')};
}

// Counts, per area, the ward's inputs (data-fill="<area>") that hold a value, and shows
// "filled/to fill" with the area's points; the whole form's in the action bar.
function showProgress(score) {
  if (score) form.lastScore = score;
  const areas = new Map();
  let filled = 0;
  let total = 0;
  for (const input of document.querySelectorAll('#form-areas [data-fill]')) {
    const notIssued = $(input.id + '-not-issued');
    const has = input.value !== '' || !!(notIssued && notIssued.checked);
    const a = areas.get(input.dataset.fill) || {filled: 0, total: 0};
    a.total += 1;
    if (has) a.filled += 1;
    areas.set(input.dataset.fill, a);
    total += 1;
    if (has) filled += 1;
  }
  const points = new Map(((form.lastScore || {}).areas || []).map((a) => [a.code, a]));
  for (const area of session.set.areas || []) {
    const line = $('w-progress-' + area.code);
    if (!line) continue;
    const a = areas.get(area.code) || {filled: 0, total: 0};
    const p = points.get(area.code) || {};
    line.replaceChildren(
        element('span', {class: 'progress-count'}, msg('form.progress', a)),
        element('span', {class: 'progress-points'}, msg('form.areaPoints',
            {points: formatMilli(p.points_milli), max: formatMilli(p.applicable_max_milli)})));
    line.classList.toggle('complete', a.filled === a.total);
  }
  $('form-running').textContent = msg('form.progressAll', {filled, total,
    total_points: form.lastScore ? formatIndex(form.lastScore.index_hundredths) : ''});
}

// Each required document type of `c` and what the entry's files say of it: 'has' (a
// file of that type), 'untyped' (no file of that type, but a file attached without a
// type, as the API allows, counted for the first such types in order) or 'missing'.
function evidenceStates(c, entry) {
  const files = (entry || {}).evidence || [];
  const have = new Set(files.map((e) => e.document_type).filter((t) => t));
  const untyped = files.filter((e) => !e.document_type).map((e) => e.file_name);
  let next = 0;
  return (c.evidence || []).map((req) => {
    if (have.has(req.document_type)) return {req, state: 'has'};
    if (next < untyped.length) return {req, state: 'untyped', file: untyped[next++]};
    return {req, state: 'missing'};
  });
}

// The criterion's required evidence as a checklist: each document type, had or not.
function evidenceChecklist(c, entry) {
  const list = element('ul', {class: 'checklist', id: 'w-checklist-' + c.code,
    'aria-label': msg('form.evidenceRequired')});
  const marks = {has: '✓', untyped: '?', missing: '○'};
  for (const {req, state, file} of evidenceStates(c, entry)) {
    const item = element('li', {class: state});
    const said = state === 'has' ? msg('form.evidenceHas') :
        state === 'untyped' ? msg('form.evidenceUntyped', {file}) : msg('form.evidenceMissing');
    item.append(element('span', {class: 'mark', 'aria-hidden': 'true'}, marks[state]), ' ',
        element('span', {'data-v': ''}, req.document_type), ' ',
        element('span', {class: 'check-state'}, '(' + said + ')'));
    list.appendChild(item);
  }
  return list;
}

// The next document type an upload for `c` stands for: the first required not yet had.
function nextDocumentType(c) {
  const states = evidenceStates(c, form.entries.get(c.code));
  const missing = states.find((s) => s.state === 'missing');
  return ((missing || states[0] || {}).req || {}).document_type || '';
}

// ---- the ward office's form ----

async function showForm() {
  const load = showView('form');
  showText('form-message', '');
  $('form-warnings').hidden = true;
  // Nothing to act on until the round and the form are read: a ward with no round sees
  // why (#form-error), not buttons that do nothing.
  for (const id of ['form-facts', 'form-tools', 'form-intro', 'ward-waiting', 'save', 'submit',
    'save-explanation', 'submit-explanation']) {
    $(id).hidden = true;
  }
  if (!$('form-title').textContent) $('form-title').textContent = msg('form.title', {unit: session.caller.unit});
  await guarded('form-error', async () => {
    const round = await loadRound();
    const unit = session.caller.unit;
    const [assessment, score] = await Promise.all([
      call('AssessmentService/GetAssessment', {name: assessmentName(unit)}),
      call('ScoreService/GetUnitScore', {name: assessmentName(unit), column: 'SELF', language: 'VIETNAMESE'}),
    ]);
    const state = assessment.state;
    const asked = ['STATE_EXPLANATION_REQUESTED', 'STATE_EXPLAINED'].includes(state) ||
        (assessment.entries || []).some((e) => e.explanation_request);
    // What the office appraised, beside the ward's own, once it asks for explanations.
    const appraised = asked ? await call('ScoreService/GetUnitScore',
        {name: assessmentName(unit), column: 'APPRAISED', language: 'VIETNAMESE'}).catch(() => null) : null;
    if (stale(load)) return;
    openAssessment(unit, assessment);
    form.round = round;
    for (const id of ['form-facts', 'form-tools', 'ward-waiting']) $(id).hidden = false;
    form.unitName = score.unit_name;
    if ($('who-unit') && score.unit_name) $('who-unit').textContent = score.unit_name;
    // What the printed report shows: the score of the saved form, never a preview.
    form.savedScore = score;
    // What the unit may do now is the server's answer (Assessment.actions): editing its
    // self-assessment goes with submitting it, explaining with sending the explanations.
    const explaining = mayDo(assessment, 'SubmitExplanation');
    const editable = !explaining && mayDo(assessment, 'SubmitAssessment');
    // Why not, in the clerk's words, when it may do neither (the server's own words if
    // the page has none for the case).
    const locked = editable || explaining ? null : readOnlyReason(round, assessment) ||
        {why: msg('form.readOnly.server', {why: refusalOf(assessment, 'SubmitAssessment')}), what: ''};
    form.editable = editable;
    form.explaining = explaining;
    $('form-title').textContent = msg('form.title', {unit: score.unit_name});
    $('form-phase').textContent = phaseTitle(round.phase);
    $('form-state').textContent = stateTitle(state);
    // Past self-assessment its deadline no longer counts down: the phase has closed it.
    $('form-deadline').textContent = round.phase === 'PHASE_DRAFT' ||
        round.phase === 'PHASE_SELF_ASSESSMENT' || !round.self_assessment_deadline
      ? formatDeadline(round.self_assessment_deadline)
      : msg('time.closedByPhase', {time: formatTime(round.self_assessment_deadline)});
    $('form-explanation-deadline').textContent = formatDeadline(round.explanation_deadline);
    $('form-total').textContent = totalText(score);
    renderWardWaiting(round, form.assessment);  // queue.js
    $('form-locked').hidden = !locked;
    $('form-locked-why').textContent = locked ? locked.why : '';
    $('form-locked-what').textContent = locked ? locked.what : '';
    $('form-intro').hidden = !editable;
    $('save').hidden = !editable;
    $('submit').hidden = !editable;
    $('submit-explanation').hidden = !explaining;
    $('save-explanation').hidden = !explaining;
    $('explain-confirm').hidden = true;
    $('submit-confirm').hidden = true;
    const preview = previewer('w', 'SELF', (s) => {
      for (const c of s.criteria || []) showCriterionScore('w', c);
      $('form-total').textContent = totalText(s);
      showProgress(s);
    }, 'form-error', 'form-warnings');
    const changed = () => {
      saveDraft();
      showProgress();
      preview();
    };
    const field = (el) => {
      const wrap = elementField('w', el, storedValue(el.code, 'self'), editable, () => {
        form.dirtyValues.add(el.code);
        refreshShared('w', el.code);
        changed();
      });
      const input = wrap.querySelector('#' + CSS.escape('w-el-' + el.code));
      const owner = form.layout.owner.get(el.code);
      if (input && owner) input.dataset.fill = form.areaOf.get(owner);
      return wrap;
    };
    const selfPoints = new Map((score.criteria || []).map((c) => [c.code, c]));
    const appraisedPoints = new Map(((appraised || {}).criteria || []).map((c) => [c.code, c]));
    renderAreas($('form-areas'), 'w', (card, c) => {
      const entry = form.entries.get(c.code);
      const own = ownValueOf(c);
      const inputs = slot(card, msg('form.inputs'), 'w-inputs-' + c.code, 'inputs-slot');
      inputs.appendChild(leafElements('w', c, field, 'self'));
      const ownBox = ownInputs('w', c, (entry || {}).self, editable && own !== 'survey',
          () => { form.dirty.add(c.code); changed(); });
      for (const f of ['done', 'issued', 'score']) {
        const input = ownBox.querySelector('#' + CSS.escape('w-' + c.code + '-' + f));
        if (input) input.dataset.fill = form.areaOf.get(c.code);
      }
      inputs.appendChild(ownBox);
      if (own !== 'survey') {
        const comment = element('input', {type: 'text', id: commentId('w', c.code),
          'aria-label': msg('form.commentLabel', {code: c.code}),
          placeholder: msg('form.commentPlaceholder')});
        comment.value = (entry || {}).comment || '';
        comment.disabled = !editable;
        listenForEdits(comment, () => { form.dirty.add(c.code); saveDraft(); });
        inputs.append(comment, textCounter(comment, TEXT_LIMITS.comment));
      }
      if (entry && entry.explanation_request) {
        // The office's question, its values and points beside the ward's, the answer.
        const ask = slot(card, msg('form.askSlot'), 'w-ask-' + c.code, 'ask-slot');
        card.insertBefore(ask.parentElement, inputs.parentElement);
        ask.appendChild(element('p', {class: 'request'},
            msg('form.request', {text: entry.explanation_request})));
        const compare = element('table', {class: 'compare', id: 'w-compare-' + c.code});
        const head = compare.createTHead().insertRow();
        for (const h of ['', msg('form.yourValue'), msg('form.appraisedValue')]) {
          head.appendChild(element('th', {scope: 'col'}, h));
        }
        const body = compare.createTBody();
        const values = body.insertRow();
        values.appendChild(element('th', {scope: 'row'}, msg('form.inputs')));
        cell(values, describeValues(c, entry.self, 'self'), 'v');
        cell(values, describeValues(c, entry.appraised || entry.self, 'appraised'), 'v');
        const pts = body.insertRow();
        pts.appendChild(element('th', {scope: 'row'}, msg('form.points')));
        const sp = selfPoints.get(c.code) || {};
        const ap = appraisedPoints.get(c.code);
        cell(pts, msg('number.ofMax', {n: formatMilli(sp.points_milli), max: formatMilli(sp.applicable_max_milli)}), 'number');
        cell(pts, ap ? msg('number.ofMax', {n: formatMilli(ap.points_milli), max: formatMilli(ap.applicable_max_milli)}) : '', 'number');
        ask.appendChild(compare);
        if (entry.appraisal_comment) {
          ask.appendChild(element('p', {class: 'note'}, msg('form.appraisalComment', {text: entry.appraisal_comment})));
        }
        const label = element('label', {for: 'explain-' + c.code}, msg('form.explanation', {code: c.code}));
        const text = element('textarea', {id: 'explain-' + c.code, rows: '5',
          placeholder: msg('form.explanationPlaceholder')});
        text.value = entry.explanation || '';
        text.disabled = !explaining;
        listenForEdits(text, () => { text.dataset.dirty = '1'; saveDraft(); });
        ask.append(label, text, textCounter(text, TEXT_LIMITS.explanation));
        // Why the criterion's own boxes below are greyed out while its answer is open.
        if (explaining) {
          ask.appendChild(element('p', {class: 'note', id: 'w-ask-note-' + c.code},
                                  msg('form.askOnlyExplanation')));
        }
      }
      const result = element('div', {class: 'result'});
      slot(result, msg('form.result'), 'w-value-' + c.code, 'number');
      slot(result, msg('form.target'), 'w-target-' + c.code);
      slot(result, msg('form.points'), 'w-points-' + c.code, 'number');
      card.appendChild(result);
      const evidence = slot(card, msg('form.evidence'), 'w-evidence-' + c.code, 'evidence-slot');
      if ((c.evidence || []).length) evidence.appendChild(evidenceChecklist(c, entry));
      evidence.appendChild(evidenceList(entry, 'form-error', wardRemovable(c)));
      if ((editable || (explaining && entry && entry.explanation_request)) && own !== 'survey') {
        evidence.appendChild(fileChooser(c));
      }
    }, field, (section, area) => {
      section.appendChild(element('p', {class: 'area-progress', id: 'w-progress-' + area.code,
        'aria-live': 'polite'}));
    });
    // In the explanation phase the criteria asked about come first.
    const requested = [...form.entries.values()].filter((e) => e.explanation_request);
    if (requested.length) {
      const first = element('section', {class: 'area requested', id: 'w-requested'});
      first.appendChild(element('h3', {}, msg('form.requestedFirst')));
      first.appendChild(element('p', {class: 'intro'}, msg('form.requestedIntro', {n: requested.length})));
      for (const e of requested) {
        const card = $('w-row-' + e.criterion);
        if (card) first.appendChild(card);
      }
      $('form-areas').prepend(first);
    }
    for (const c of score.criteria || []) showCriterionScore('w', c);
    showWarnings('w', 'form-warnings', score.warnings);
    showProgress(score);
    if (!editable && !explaining) {
      // Typing this browser kept from when the form was open, which can no longer be
      // saved: said, not silently dropped (it stays here should the office reopen).
      const kept = draftInputCount();
      if (kept) showText('form-message', msg('form.draftNotSavable', {n: kept}));
    }
    if (editable || explaining) {
      const restored = restoreDraft();
      if (restored) {
        // The button named is one the clerk can see in this phase.
        showText('form-message', msg(explaining ? 'form.draftRestoredExplanation' : 'form.draftRestored',
            {n: restored}));
        showProgress();
        if (form.dirty.size || form.dirtyValues.size) preview();
      }
    }
    buildReport(round, score);
    markReportUnsaved();
  });
}

// ---- the printed self-assessment report ----

// The report offices sign and send, built into #report (shown only in print, style.css):
// the national motto and heading, the unit and round, a table per area with the
// figures, self-scores and evidence, the totals, place and date, and the signatures.
function buildReport(round, score) {
  const report = $('report');
  report.replaceChildren();
  const p = (text, className) => element('p', className ? {class: className} : {}, text);
  const head = element('div', {class: 'report-head'});
  const issuer = element('div', {class: 'report-issuer'});
  issuer.append(p(score.unit_name.toLocaleUpperCase('vi'), 'strong'), element('div', {class: 'rule'}));
  const motto = element('div', {class: 'report-motto'});
  motto.append(p(msg('report.motto1'), 'strong'), p(msg('report.motto2'), 'strong underline'));
  head.append(issuer, motto);
  report.appendChild(head);
  report.appendChild(element('h2', {}, msg('report.title')));
  report.appendChild(p(msg('report.unit', {unit: score.unit_name})));
  report.appendChild(p(msg('report.round', {round: round.title || round.id})));
  report.appendChild(p(msg('report.state', {state: stateTitle(form.assessment.state)})));
  const unsaved = p('', 'report-unsaved');
  unsaved.id = 'report-unsaved';
  unsaved.hidden = true;
  report.appendChild(unsaved);
  const points = new Map((score.criteria || []).map((c) => [c.code, c]));
  const areaPoints = new Map((score.areas || []).map((a) => [a.code, a]));
  for (const area of session.set.areas || []) {
    report.appendChild(element('h3', {}, msg('form.areaHeading',
        {code: area.code, title: area.title, max: formatMilli(area.max_milli)})));
    const table = element('table', {class: 'report-table', id: 'report-area-' + area.code});
    const headRow = table.createTHead().insertRow();
    for (const h of ['colCode', 'colCriterion', 'colFigures', 'colMax', 'colSelf', 'colEvidence']) {
      headRow.appendChild(element('th', {}, msg('report.' + h)));
    }
    const body = table.createTBody();
    for (const c of leaves(area.criteria, [])) {
      const entry = form.entries.get(c.code) || {};
      const row = body.insertRow();
      cell(row, c.code);
      cell(row, c.title);
      cell(row, describeValues(c, entry.self, 'self'));
      // The maximum the score counts: a criterion dropped as not applicable says so
      // (the area's total leaves it out, and the rows must add up to the total). A
      // bonus or penalty also counts no maximum, but its points are in the total.
      const scored = points.get(c.code);
      const dropped = scored && scored.status === 'NOT_APPLICABLE' &&
          Number(scored.applicable_max_milli || 0) === 0;
      cell(row, dropped ? msg('report.notApplicable')
                        : formatMilli(scored ? scored.applicable_max_milli : c.max_milli),
          'number');
      cell(row, dropped ? '' : formatMilli((scored || {}).points_milli), 'number');
      cell(row, (entry.evidence || []).map((ev) => ev.file_name ||
          [ev.document_type, ev.number].filter((x) => x).join(' ')).join('; '));
    }
    const a = areaPoints.get(area.code) || {};
    // The last row of the body, not a tfoot: print repeats a tfoot on every page.
    const total = body.insertRow();
    total.className = 'report-area-total';
    cell(total, msg('report.areaTotal', {code: area.code})).colSpan = 3;
    cell(total, formatMilli(a.applicable_max_milli), 'number');
    cell(total, formatMilli(a.points_milli), 'number');
    cell(total, '');
    report.appendChild(table);
  }
  report.appendChild(p(msg('report.total', {points: formatMilli(score.achieved_milli),
    max: formatMilli(score.applicable_max_milli), index: formatIndex(score.index_hundredths)}),
  'report-total'));
  const today = new Date(Date.now() + 7 * 3600 * 1000);
  const place = score.unit_name.replace(/^(Xã|Phường|Thị trấn|Đặc khu)\s+/, '');
  report.appendChild(p(msg('report.placeDate', {place, day: two(today.getUTCDate()),
    month: two(today.getUTCMonth() + 1), year: today.getUTCFullYear()}), 'report-place'));
  const signs = element('div', {class: 'signatures'});
  for (const [title, note] of [['preparedBy', 'preparedNote'], ['signTitle', 'signNote']]) {
    const block = element('div', {class: 'signature'});
    block.append(p(msg('report.' + title), 'strong'), p(msg('report.' + note), 'italic'));
    signs.appendChild(block);
  }
  report.appendChild(signs);
}

// The report is of the saved form (what the office sees): with changes not yet saved,
// «In» asks for «Lưu» first; printed another way (Ctrl+P) it says what it leaves out.
$('print').addEventListener('click', () => {
  showText('form-error', '');
  if (form.editable && (form.dirty.size || form.dirtyValues.size)) {
    showText('form-error', msg('form.printUnsaved'));
    $('save').focus();
    return;
  }
  window.print();
});

// The report's note on changes typed and not saved (none: hidden).
function markReportUnsaved() {
  const note = $('report-unsaved');
  if (!note) return;
  const n = form.editable ? form.dirty.size + form.dirtyValues.size : 0;
  note.textContent = n ? msg('report.unsaved', {n}) : '';
  note.hidden = !n;
}

// A file refused is not about the typed values: the next preview leaves its words
// (showError marks the line kept).
function keptError(error) {
  error.kept = true;
  return error;
}

// The files of a criterion on the ward's form as `entry` lists them: the list, the
// checklist of required evidence, and the printed report.
function showWardFiles(criterion, entry) {
  $('w-evidence-' + criterion.code).querySelector('ul.evidence')
      .replaceWith(evidenceList(entry, 'form-error', wardRemovable(criterion)));
  const checklist = $('w-checklist-' + criterion.code);
  if (checklist) checklist.replaceWith(evidenceChecklist(criterion, entry));
  // The printed report lists the files stored, at once.
  if (form.savedScore) {
    buildReport(form.round, form.savedScore);
    markReportUnsaved();
  }
}

// Which files of `criterion` the ward may remove now (server/policy.cc CanRemoveFile):
// its own, while it may attach files there; while it explains, only those attached to
// the explanation (for_explanation): what the office appraised stays.
function wardRemovable(criterion) {
  const removable = (ev) => {
    const entry = form.entries.get(criterion.code) || {};
    return !ev.by_office && ownValueOf(criterion) !== 'survey' &&
        (form.editable || (form.explaining && !!entry.explanation_request && !!ev.for_explanation));
  };
  removable.done = (entry, ev) => {
    showWardFiles(criterion, entry);
    $('form-message').textContent = msg('file.removed', {name: ev.file_name, code: criterion.code});
    const next = $('choose-' + criterion.code);
    if (next) next.focus();
  };
  return removable;
}

// The file input as a button in Vietnamese («Chọn tệp…») with the chosen file's name
// beside it: Chromium's own says "Choose file / No file chosen" whatever the page's
// language. The input stays (hidden, out of the tab order) and the button opens it.
function fileChooser(criterion) {
  const code = criterion.code;
  const box = element('div', {class: 'file-chooser'});
  const upload = element('input', {type: 'file', id: 'upload-' + code, class: 'file-input',
    tabindex: '-1', 'aria-hidden': 'true'});
  const chosen = element('span', {class: 'chosen-file', id: 'chosen-' + code, 'aria-live': 'polite'},
      msg('file.noneChosen'));
  const button = element('button', {type: 'button', id: 'choose-' + code, class: 'choose-file',
    'aria-label': msg('file.chooseFor', {code}), 'aria-describedby': chosen.id}, msg('file.choose'));
  button.addEventListener('click', () => upload.click());
  upload.addEventListener('change', () => {
    const file = upload.files[0];
    chosen.replaceChildren();
    if (file) chosen.append(msg('file.chosen'), ' ', element('span', {'data-v': ''}, file.name));
    else chosen.textContent = msg('file.noneChosen');
    uploadEvidence(criterion, upload);
  });
  box.append(button, ' ', chosen, upload);
  return box;
}

async function uploadEvidence(criterion, input) {
  const file = input.files[0];
  if (!file) return;
  await guarded('form-error', async () => {
    if (!file.size) throw keptError(new Error(msg('upload.empty', {file: file.name})));
    let stored;
    try {
      stored = await call('AssessmentService/UploadEvidence', {
        parent: assessmentName(form.unit),
        criterion: criterion.code,
        evidence: {file_name: file.name, document_type: nextDocumentType(criterion)},
        content: await fileBase64(file),
      });
    } catch (e) {
      // Too large for the server (its body limit, or the store's per-file limit).
      if (e.code === 'RESOURCE_EXHAUSTED' || /exceed the limit of/.test(e.serverWords || '')) {
        const limit = /limit of (\d+) bytes/.exec(e.serverWords || '');
        const error = new Error(msg('upload.tooLarge', {file: file.name, size: formatBytes(file.size),
          max: limit ? formatBytes(Number(limit[1])) : '20 MB'}));
        error.serverWords = e.serverWords;
        throw keptError(error);
      }
      // The criterion holds as many files as one may (the store's limit).
      const full = /already has (\d+) files/.exec(e.serverWords || '');
      if (full) {
        const error = new Error(msg('upload.tooMany', {code: criterion.code, count: full[1]}));
        error.serverWords = e.serverWords;
        throw keptError(error);
      }
      throw keptError(e);
    }
    const entry = form.entries.get(criterion.code) || {criterion: criterion.code};
    entry.evidence = (entry.evidence || []).concat([stored]);
    // The upload moved the entry on: read its version again before the next save.
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    const fresh = (a.entries || []).find((e) => e.criterion === criterion.code);
    form.entries.set(criterion.code, fresh || entry);
    showWardFiles(criterion, fresh || entry);
    input.value = '';
    $('form-message').textContent = msg('form.uploaded', {file: stored.file_name, code: criterion.code});
  });
}

onAction('save', async () => {
  showText('form-error', '');
  $('form-message').textContent = '';
  const saved = await saveChanged('w', 'self', 'form-error', 'form-warnings');
  saveDraft();
  if (saved && (saved.values || saved.entries)) {
    // The report follows what is now saved.
    await guarded('form-error', async () => {
      form.savedScore = await call('ScoreService/GetUnitScore',
          {name: assessmentName(form.unit), column: 'SELF'});
      buildReport(form.round, form.savedScore);
    });
  }
  if (saved) {
    $('form-message').textContent =
        saved.values || saved.entries ? msg('form.saved', {what: savedText(saved)}) : msg('form.nothingToSave');
  }
});

// The ward's inputs still empty (data-fill, as the progress counts them), each with its
// label.
function emptyInputs() {
  return [...document.querySelectorAll('#form-areas [data-fill]')].filter((input) => {
    const notIssued = $(input.id + '-not-issued');
    return input.value === '' && !(notIssued && notIssued.checked);
  });
}

// The ward's fields in error, each said at its field: values that cannot be read (now,
// not only after the next preview), texts past their limit, drafts waiting for a choice,
// and what the last preview or save said at a field. Answers how many; the first such
// input has the focus.
function wardFieldErrors() {
  for (const code of form.draftConflicts) showElementError('w', code, msg('draft.chooseFirst'), '');
  changedValues('w', false);
  changedEntries('w', 'self', true);
  const wrong = [...document.querySelectorAll('.field-error:not(:empty)')]
      .filter((e) => e.id.startsWith('w-'));
  if (wrong.length) {
    const input = document.querySelector('[aria-invalid=true][id^="w-"]');
    if (input) {
      input.scrollIntoView({block: 'center'});
      input.focus();
    }
  }
  return wrong.length;
}

// «Nộp tự đánh giá» first says what will happen and names the inputs still empty; with a
// field in error it says so instead (nothing is sent).
$('submit').addEventListener('click', () => {
  showText('form-error', '');
  showText('form-message', '');
  const errors = wardFieldErrors();
  if (errors) {
    $('submit-confirm').hidden = true;
    showText('form-error', msg('submit.fieldErrors', {n: errors}));
    return;
  }
  const empty = emptyInputs();
  $('submit-confirm-empty').textContent = empty.length
    ? msg('submit.empty', {n: empty.length}) : msg('submit.allFilled');
  const list = $('submit-confirm-list');
  list.replaceChildren(...empty.slice(0, 50).map((input) => {
    const label = document.querySelector('label[for="' + input.id + '"]');
    return element('li', {'data-v': ''}, label ? label.textContent : input.id);
  }));
  if (empty.length > 50) list.appendChild(element('li', {}, msg('submit.more', {n: empty.length - 50})));
  list.hidden = !empty.length;
  $('submit-confirm-send').textContent = msg(empty.length ? 'submit.sendAnyway' : 'submit.send');
  $('submit-confirm').hidden = false;
  // With inputs empty, the safe choice has the focus.
  $(empty.length ? 'submit-confirm-cancel' : 'submit-confirm-send').focus();
});

$('submit-confirm').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') $('submit-confirm-cancel').click();
});

$('submit-confirm-cancel').addEventListener('click', () => {
  $('submit-confirm').hidden = true;
  const first = emptyInputs()[0];
  if (first) {
    first.scrollIntoView({block: 'center'});
    first.focus();
  } else {
    $('submit').focus();
  }
});

onAction('submit-confirm-send', async () => {
  $('submit-confirm').hidden = true;
  showText('form-error', '');
  $('form-message').textContent = '';
  if (!await saveChanged('w', 'self', 'form-error', 'form-warnings')) return;
  await guarded('form-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitAssessment', {name: assessmentName(form.unit), etag: a.version});
    localStorage.removeItem(draftKey());
    await showForm();
    $('form-message').textContent = msg('form.submitted');
  });
});

// ---- the ward's explanation: saved as it goes, sent once, after a confirmation ----

// Stores the answers typed since the last save (BatchUpdateEntries, not sent); answers
// how many. `sending`: on the way to «Gửi giải trình», whose words a refusal uses.
async function saveExplanations(sending) {
  const typed = [...document.querySelectorAll('textarea[id^="explain-"][data-dirty]')];
  const wrong = typed.find((t) => textProblem(t.value, TEXT_LIMITS.explanation));
  if (wrong) {
    wrong.focus();
    throw new Error(msg(sending ? 'text.fixFirst' : 'text.fixFirstSave'));
  }
  const entries = typed.map((t) => form.entries.get(t.id.slice('explain-'.length)))
      .filter((e) => e && e.explanation_request);
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
  for (const t of typed) delete t.dataset.dirty;
  saveDraft();
  return entries.length;
}

onAction('save-explanation', async () => {
  showText('form-error', '');
  showText('form-message', '');
  await guarded('form-error', async () => {
    const n = await saveExplanations(false);
    showText('form-message', n ? msg('explain.saved', {n}) : msg('form.nothingToSave'));
  });
});

// The criteria asked about whose answer box is empty.
function unansweredRequests() {
  return [...form.entries.values()].filter((e) => e.explanation_request &&
      !($('explain-' + e.criterion) || {value: ''}).value.trim());
}

// «Gửi giải trình» first shows what will be sent: the number of criteria, those still
// without an answer (each named), and that nothing can be changed afterwards.
$('submit-explanation').addEventListener('click', () => {
  showText('form-error', '');
  showText('form-message', '');
  const asked = [...form.entries.values()].filter((e) => e.explanation_request);
  const unanswered = unansweredRequests();
  $('explain-confirm-title').textContent = msg('explain.confirmTitle', {n: asked.length});
  $('explain-confirm-unanswered').textContent = unanswered.length
    ? msg('explain.unanswered', {n: unanswered.length}) : msg('explain.allAnswered');
  const list = $('explain-confirm-list');
  list.replaceChildren(...unanswered.map((e) => element('li', {},
      msg('explain.unansweredItem', {code: e.criterion, text: e.explanation_request}))));
  list.hidden = !unanswered.length;
  $('explain-confirm-send').textContent = msg(unanswered.length ? 'explain.sendAnyway' : 'explain.send');
  $('explain-confirm').hidden = false;
  // With questions unanswered, the safe choice has the focus.
  $(unanswered.length ? 'explain-confirm-cancel' : 'explain-confirm-send').focus();
});

// Escape in the confirmation is «Quay lại sửa».
$('explain-confirm').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') $('explain-confirm-cancel').click();
});

$('explain-confirm-cancel').addEventListener('click', () => {
  $('explain-confirm').hidden = true;
  const first = unansweredRequests()[0];
  const input = first && $('explain-' + first.criterion);
  if (input) {
    input.scrollIntoView({block: 'center'});
    input.focus();
  } else {
    $('submit-explanation').focus();
  }
});

onAction('explain-confirm-send', async () => {
  $('explain-confirm').hidden = true;
  showText('form-error', '');
  await guarded('form-error', async () => {
    await saveExplanations(true);
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/SubmitExplanation', {name: assessmentName(form.unit), etag: a.version});
    localStorage.removeItem(draftKey());
    await showForm();
    $('form-message').textContent = msg('form.explained');
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
  ward.append(msg('appraisal.reported'), element('strong', {}, describeElementValue(el, hasValue(dv.self) ? dv.self : null)));
  if (hasValue(dv.appraised) &&
      describeElementValue(el, dv.appraised) !== describeElementValue(el, hasValue(dv.self) ? dv.self : null)) {
    field.classList.add('differs');
    ward.append(' ', element('span', {class: 'badge'}, msg('appraisal.adjusted')));
  }
  field.querySelector('.control').before(ward);
  return field;
}

// Why the appraisal's inputs are locked, and when they open ('' when they are not).
function appraisalLock(round, state) {
  const phase = phaseTitle(round.phase);
  if (['PHASE_DRAFT', 'PHASE_SELF_ASSESSMENT'].includes(round.phase)) {
    const due = round.self_assessment_deadline;
    return msg(due ? 'appraisal.lockedUntil' : 'appraisal.lockedUntilAdvance',
        {phase, next: phaseTitle('PHASE_APPRAISAL'), deadline: due ? formatTime(due) : ''});
  }
  if (['PHASE_FINALISED', 'PHASE_PUBLISHED'].includes(round.phase)) {
    return msg('appraisal.lockedFinalised', {phase});
  }
  if (state === 'STATE_FINAL') return msg('appraisal.lockedFinal');
  return '';
}

// Which files of `criterion` the office may remove now (server/policy.cc
// CanRemoveFile): those it attached, while it appraises the unit.
function officeRemovable(criterion, editable) {
  const removable = (ev) => editable && !!ev.by_office;
  removable.done = (entry, ev) => {
    $('self-' + criterion.code).querySelector('ul.evidence')
        .replaceWith(evidenceList(entry, 'appraisal-error', removable));
    $('appraisal-message').textContent = msg('file.removed', {name: ev.file_name, code: criterion.code});
  };
  return removable;
}

// `announce`: the unit is opened (from the queue, or again after signing in), and a
// draft put back says so; a view drawn again after a save restores it silently.
async function showAppraisal(unit, announce) {
  const load = showView('appraisal');
  $('appraisal-message').textContent = '';
  $('appraisal-warnings').hidden = true;
  await guarded('appraisal-error', async () => {
    const round = await loadRound();
    const [assessment, self, appraised] = await Promise.all([
      call('AssessmentService/GetAssessment', {name: assessmentName(unit)}),
      ...['SELF', 'APPRAISED'].map((column) =>
        call('ScoreService/GetUnitScore', {name: assessmentName(unit), column, language: 'VIETNAMESE'})),
    ]);
    if (stale(load)) return;
    openAssessment(unit, assessment);
    form.round = round;
    const state = form.assessment.state;
    // What the office may do to the form now is the server's answer (Assessment.actions).
    const editable = mayDo(form.assessment, 'AppraiseEntries');
    const asking = mayDo(form.assessment, 'RequestExplanation');
    form.appraising = editable;
    $('appraisal-title').textContent = msg('appraisal.title', {unit: appraised.unit_name});
    $('appraisal-state').textContent = stateTitle(state);
    $('appraisal-self-total').textContent = totalText(self);
    $('appraisal-total').textContent = totalText(appraised);
    const lock = editable ? '' : appraisalLock(round, state) ||
        msg('appraisal.lockedServer', {why: refusalOf(form.assessment, 'AppraiseEntries')});
    $('appraisal-locked').hidden = !lock;
    $('appraisal-locked').textContent = lock;
    $('save-appraisal').hidden = !editable;
    $('request-explanation').hidden = !asking;
    $('finalise').hidden = !mayDo(form.assessment, 'FinaliseAssessment');
    // The unit's explanations sent: the office marks them read (the queue's «Giải trình
    // chờ xem» closes) without changing anything (server/policy.cc kReviewExplanation).
    $('review-explanation').hidden = !mayDo(form.assessment, 'ReviewExplanation');
    const selfPoints = new Map((self.criteria || []).map((c) => [c.code, c]));
    const preview = previewer('a', 'APPRAISED', (s) => {
      for (const c of s.criteria || []) showCriterionScore('a', c);
      $('appraisal-total').textContent = totalText(s);
    }, 'appraisal-error', 'appraisal-warnings');
    const field = (el) => appraisalField(el, editable, () => {
      form.dirtyValues.add(el.code);
      refreshShared('a', el.code);
      saveAppraisalDraft();
      preview();
    });
    // Questions kept in this browser's draft and no longer in the page.
    const asksRestored = asking ? restoreAppraisalAsks(unit) : 0;
    renderAreas($('appraisal-areas'), 'a', (card, c) => {
      const entry = form.entries.get(c.code) || {};
      const own = ownValueOf(c);
      const survey = own === 'survey';
      const ward = slot(card, msg('appraisal.ward'), 'self-' + c.code, 'ward-slot');
      ward.append(element('span', {'data-v': ''}, describeValues(c, entry.self, 'self')));
      const sp = selfPoints.get(c.code);
      if (sp) ward.appendChild(element('p', {class: 'note'}, msg('appraisal.selfPoints', {points: formatMilli(sp.points_milli)})));
      if (entry.comment) ward.appendChild(element('p', {class: 'note', 'data-v': ''}, entry.comment));
      ward.appendChild(evidenceList(entry, 'appraisal-error', officeRemovable(c, editable)));
      const inputs = slot(card, msg('appraisal.inputs'), 'a-inputs-' + c.code, 'inputs-slot');
      inputs.appendChild(leafElements('a', c, field, 'appraised'));
      inputs.appendChild(ownInputs('a', c, entry.appraised || entry.self, editable && !survey,
          () => { form.dirty.add(c.code); saveAppraisalDraft(); preview(); }));
      if (!survey) {
        const comment = element('input', {type: 'text', id: commentId('a', c.code),
          'aria-label': msg('appraisal.commentLabel', {code: c.code}),
          placeholder: msg('appraisal.commentPlaceholder')});
        comment.value = entry.appraisal_comment || '';
        comment.disabled = !editable;
        listenForEdits(comment, () => { form.dirty.add(c.code); saveAppraisalDraft(); });
        inputs.append(comment, textCounter(comment, TEXT_LIMITS.comment));
      }
      const result = element('div', {class: 'result'});
      slot(result, msg('form.result'), 'a-value-' + c.code, 'number');
      slot(result, msg('form.target'), 'a-target-' + c.code);
      slot(result, msg('appraisal.points'), 'a-points-' + c.code, 'number');
      card.appendChild(result);
      if (entry.explanation_request || entry.explanation || (asking && !survey)) {
        const explain = slot(card, msg('appraisal.explanation'), 'a-explain-' + c.code);
        if (entry.explanation_request) {
          const why = entry.explanation_reason && MESSAGES['reason.' + entry.explanation_reason];
          explain.appendChild(element('p', {class: 'request'}, msg('appraisal.requested',
              {text: (why ? '[' + why + '] ' : '') + entry.explanation_request})));
        }
        if (entry.explanation) {
          explain.appendChild(element('p', {id: 'explanation-' + c.code},
              msg('appraisal.explained', {text: entry.explanation})));
        }
        if (asking && !survey) explain.appendChild(askInputs(unit, c.code));
      }
    }, field);
    for (const c of appraised.criteria || []) showCriterionScore('a', c);
    showWarnings('a', 'appraisal-warnings', appraised.warnings);
    if (editable) {
      // What was typed and not saved (this browser's draft) goes back where it was.
      const restored = applyDraft(readDraft(appraisalDraftKey(unit)), 'a');
      if (announce && (restored || asksRestored)) {
        const said = [];
        if (restored) said.push(msg('appraisal.draftRestored', {n: restored}));
        if (asksRestored) said.push(msg('appraisal.draftRestoredAsks', {n: asksRestored}));
        showText('appraisal-message', said.join(' '));
      }
      if (form.dirty.size || form.dirtyValues.size) preview();
    }
    await renderChanges(unit);  // queue.js
  });
}

onAction('save-appraisal', async () => {
  showText('appraisal-error', '');
  $('appraisal-message').textContent = '';
  const saved = await saveChanged('a', 'appraised', 'appraisal-error', 'appraisal-warnings');
  // What is saved leaves the draft; what was refused stays in it.
  saveAppraisalDraft();
  if (saved) {
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = saved.values || saved.entries
      ? msg('appraisal.saved', {what: savedText(saved)}) : msg('form.nothingToSave');
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
  const reason = element('select', {id: 'ask-reason-' + code, 'aria-label': msg('ask.reasonFor', {code})});
  reason.add(new Option(msg('ask.choose'), ''));
  for (const r of ASK_REASONS) reason.add(new Option(msg('reason.' + r), r));
  reason.value = kept.reason;
  const text = element('textarea', {id: 'ask-' + code, rows: '2',
    'aria-label': msg('appraisal.askLabel', {code}), placeholder: msg('appraisal.askPlaceholder')});
  text.value = kept.text;
  const remember = () => {
    if (reason.value || text.value.trim()) {
      asksOf(unit).set(code, {reason: reason.value, text: text.value});
    } else {
      asksOf(unit).delete(code);
    }
    saveAppraisalDraft();
  };
  reason.addEventListener('change', remember);
  listenForEdits(text, remember);
  box.append(reason, text, textCounter(text, TEXT_LIMITS.question));
  return box;
}

onAction('request-explanation', async () => {
  $('appraisal-error').textContent = '';
  $('appraisal-message').textContent = '';
  const messages = {};
  const reasons = {};
  for (const [code, ask] of asksOf(form.unit)) {
    if (!ask.text.trim()) {
      $('appraisal-error').textContent = msg('ask.textMissing', {code});
      const input = $('ask-' + code);
      if (input) input.focus();
      return;
    }
    if (textProblem(ask.text, TEXT_LIMITS.question)) {
      $('appraisal-error').textContent = msg('text.fixFirst');
      const input = $('ask-' + code);
      if (input) input.focus();
      return;
    }
    if (!ask.reason) {  // the server refuses a request without its reason
      $('appraisal-error').textContent = msg('ask.reasonMissing', {code});
      const select = $('ask-reason-' + code);
      if (select) select.focus();
      return;
    }
    messages[code] = ask.text.trim();
    reasons[code] = ask.reason;
  }
  if (!Object.keys(messages).length) {
    $('appraisal-error').textContent = msg('ask.none');
    return;
  }
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/RequestExplanation', {
      name: assessmentName(form.unit), etag: a.version, messages, reasons,
    });
    pendingAsks.delete(form.unit);
    saveAppraisalDraft();  // the questions sent leave the draft; typed values stay
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = msg('appraisal.requestedCount', {n: Object.keys(messages).length});
  });
});

// «Đã xem giải trình»: the office has read what the unit sent and changes nothing
// (ReviewExplanation, audited as explanation.review); typed, unsaved work stays (the
// draft).
onAction('review-explanation', async () => {
  showText('appraisal-error', '');
  $('appraisal-message').textContent = '';
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/ReviewExplanation', {name: assessmentName(form.unit), etag: a.version});
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = msg('appraisal.reviewed');
  });
});

onAction('finalise', async () => {
  await guarded('appraisal-error', async () => {
    const a = await call('AssessmentService/GetAssessment', {name: assessmentName(form.unit)});
    await call('AssessmentService/FinaliseAssessment', {name: assessmentName(form.unit), etag: a.version});
    await showAppraisal(form.unit);
    $('appraisal-message').textContent = msg('appraisal.finalised');
  });
});

$('back-to-board').addEventListener('click', () => {
  if (leaveView()) showBoard();
});
