// The page's core: sign in (an account's session in an HttpOnly cookie, or a token
// for the session of the page only), pick a round, move between views, and the results
// view (ranking per block with a bar per unit, a unit's points per area, XLSX). Every
// call goes through the HTTP/JSON gateway; the forms are in assess.js.
'use strict';

// token: a pasted API token (sent as Authorization); csrf: the cookie session's CSRF
// token (sent on every call). The session id itself is never readable here.
const session = {token: '', csrf: '', caller: null, round: null, set: null, view: 0};

// Names from the message table (messages.js): a block's the same as the reports'
// (server/report.cc BlockTitle), singular or plural.
function blockTitle(block) { return msgOr('block.' + block, 'block.other'); }
function roleTitle(role) { return msgOr('role.' + role, 'role.other'); }
function phaseTitle(phase) { return msgOr('phase.' + phase, 'phase.other'); }
function stateTitle(state) { return msgOr('state.' + state, 'state.other'); }
const PHASES = [
  'ROUND_PHASE_UNSPECIFIED', 'PHASE_DRAFT', 'PHASE_SELF_ASSESSMENT', 'PHASE_APPRAISAL',
  'PHASE_EXPLANATION', 'PHASE_FINAL_APPRAISAL', 'PHASE_FINALISED', 'PHASE_PUBLISHED',
];
const STATES = [
  'STATE_NOT_STARTED', 'STATE_DRAFT', 'STATE_SUBMITTED', 'STATE_APPRAISED',
  'STATE_EXPLANATION_REQUESTED', 'STATE_EXPLAINED', 'STATE_FINAL',
];

function $(id) { return document.getElementById(id); }


// The headers of every request: the token, or the cookie session's CSRF token.
function authHeaders(extra) {
  const headers = Object.assign({}, extra);
  if (session.token) headers['Authorization'] = 'Bearer ' + session.token;
  if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
  return headers;
}

async function send(url, options) {
  try {
    return await fetch(url, options);
  } catch (e) {
    const error = new Error(msg('error.network'));
    error.serverWords = e.message;
    throw error;
  }
}

// A refusal as an Error: what it means in Vietnamese, by its code (message); the
// server's words (serverWords, which showFieldError reads for the field's path
// "updates[0]…: …") for the secondary line.
function apiError(json) {
  const key = json.code === 'UNAUTHENTICATED' && !session.token ? 'signin.sessionEnded'
                                                               : 'error.' + json.code;
  const error = new Error(msgOr(key, 'error.other'));
  error.code = json.code;
  error.serverWords = json.message || '';
  return error;
}

async function call(method, body) {
  const response = await send('/parindex.v1.' + method, {
    method: 'POST',
    headers: authHeaders({'Content-Type': 'application/json'}),
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) {
    // The cookie session ended (signed out elsewhere, expired): back to signing in,
    // and, signed in again, back to the unit being appraised (its typing is in this
    // browser's draft: assess.js saveAppraisalDraft).
    if (response.status === 401 && !session.token && session.caller) {
      const resume = resumePoint();
      showSignIn(msg('signin.sessionEnded'));
      session.resume = resume;
    }
    throw apiError(json);
  }
  return json;
}

// index_hundredths is an exact integer (as a string in JSON): 9047 → "90,47".
// Thousands are grouped with dots, Vietnamese style: 123456 → "1.234,56".
function groupThousands(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.'); }

function formatIndex(hundredths) {
  const n = Number(hundredths || 0);
  const sign = n < 0 ? '-' : '';
  return sign + groupThousands(String(Math.floor(Math.abs(n) / 100))) + ',' +
      String(Math.abs(n) % 100).padStart(2, '0');
}

// A share in hundredths of a percent as Vietnamese print it: 9439 → "94,39 %".
function formatPercent(hundredths) { return msg('number.percent', {n: formatIndex(hundredths)}); }

// Thousandths of a point rounded half away from zero to two decimals, as the server's
// tables print them: 9236 → "9,24", -750 → "-0,75".
function formatMilli(milli) {
  const m = Number(milli || 0);
  const h = Math.floor((2 * Math.abs(m) + 10) / 20);
  return (m < 0 && h > 0 ? '-' : '') + Math.floor(h / 100) + ',' + String(h % 100).padStart(2, '0');
}

function two(n) { return String(n).padStart(2, '0'); }

// A Date message as people read it: 09/05/2023; '' for none.
function formatDate(d) {
  return d && d.year ? two(d.day) + '/' + two(d.month) + '/' + d.year : '';
}

// A Date message as a date input's value: "2023-05-09"; '' for none.
function inputDate(d) {
  return d && d.year ? d.year + '-' + two(d.month) + '-' + two(d.day) : '';
}

// The note under a figure the server computes (from records or from tasks, `kind`):
// `text` says where it came from; for the ward (`prefix` 'w') its box is read-only and
// the note says whom to ask instead (`readOnlyText`). Answers the note, appended to
// `wrap`, for more to be added to it.
function computedFigureNote(wrap, prefix, el, kind, text, readOnlyText) {
  const id = prefix + '-el-' + el.code;
  const input = wrap.querySelector('#' + CSS.escape(id));
  if (prefix === 'w' && input) {
    input.readOnly = true;
    input.setAttribute('aria-readonly', 'true');
  }
  const note = element('p', {class: 'records-from', id: id + '-' + kind});
  note.append(text);
  if (prefix === 'w') note.append(' ', readOnlyText);
  wrap.append(note);
  return note;
}

// An RFC 3339 time in Vietnam time, Vietnamese style: "15/12/2023 23:59".
function formatTime(text) {
  const t = new Date(Date.parse(text) + 7 * 3600 * 1000);
  return msg('time.dateTime', {
    date: two(t.getUTCDate()) + '/' + two(t.getUTCMonth() + 1) + '/' + t.getUTCFullYear(),
    time: two(t.getUTCHours()) + ':' + two(t.getUTCMinutes()),
  });
}

// A deadline: its time, and whether it has passed.
function formatDeadline(text) {
  if (!text) return msg('time.none');
  const shown = formatTime(text);
  return Date.now() > Date.parse(text) ? msg('time.passed', {time: shown}) : shown;
}

// A table cell; `className` "v" marks text that is data (a name, a code), not the
// page's own words.
function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  if (/\bv\b/.test(className || '')) td.dataset.v = '';
  row.appendChild(td);
  return td;
}

function bar(percent) {
  const div = document.createElement('div');
  div.className = 'bar';
  div.style.width = Math.max(0, Math.min(100, percent)) + '%';
  div.setAttribute('role', 'presentation');
  return div;
}

// No round to show (a reader before anything is published): the view says so instead of
// asking the server about "rounds/".
function roundName() {
  if (!$('round').value) throw new Error(msg('results.noRound'));
  return 'rounds/' + $('round').value;
}
function assessmentName(unit) { return roundName() + '/assessments/' + unit; }

// The selected round and its pinned criteria set, read again on every view change.
async function loadRound() {
  session.round = await call('RoundService/GetRound', {name: roundName()});
  const set = session.set;
  if (!set || set.id !== session.round.criteria_set ||
      set.version !== session.round.criteria_set_version) {
    session.set = await call('CriteriaService/GetCriteriaSet', {
      name: 'criteriaSets/' + session.round.criteria_set,
      version: session.round.criteria_set_version,
    });
  }
  return session.round;
}

// Shows one view; answers the number of this load, so that a view whose loading was
// overtaken by a newer one (a click while it loaded) does not draw over it.
function showView(id) {
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== id;
  return ++session.view;
}

function stale(load) { return load !== session.view; }

// Runs a view's loader, showing a failure in the view's error line.
async function guarded(errorId, action) {
  showText(errorId, '');
  try {
    await action();
  } catch (e) {
    showError(errorId, e);
  }
}

// ---- results ----

async function showResults() {
  const load = showView('results');
  $('breakdown').hidden = true;
  const blocks = $('blocks');
  blocks.replaceChildren();
  // The workbook and the printed report are offered only once the caller may have them
  // (server/policy.h CanSee, kResults): never shown, then refused.
  $('download').hidden = true;
  $('print-report').hidden = true;
  await guarded('results-error', async () => {
    // A ward or a reader sees the results once they are published: before, a ward is
    // told so, not refused with the server's words; the office sees them always.
    const office = ['ROLE_APPRAISER', 'ROLE_ADMIN'].includes(session.caller.role);
    const round = await loadRound();
    if (stale(load)) return;
    const published = round.phase === 'PHASE_PUBLISHED';
    if (session.caller.role === 'ROLE_WARD' && !published) {
      throw new Error(msg('results.notPublished', {phase: phaseTitle(round.phase)}));
    }
    const ranking = await call('ScoreService/GetRanking', {
      name: roundName(), column: $('column').value,
    });
    if (stale(load)) return;
    $('download').hidden = !(office || published);
    $('print-report').hidden = !(office || published);
    const byBlock = new Map();
    for (const unit of ranking.units || []) {
      if (!byBlock.has(unit.block)) byBlock.set(unit.block, []);
      byBlock.get(unit.block).push(unit);
    }
    for (const [block, units] of byBlock) {
      const table = document.createElement('table');
      table.id = 'ranking-' + block;
      table.createCaption().textContent = blockTitle(block);
      const head = table.createTHead().insertRow();
      for (const h of ['rank', 'code', 'unit', 'index', 'class', 'bar']) {
        const th = document.createElement('th');
        th.textContent = msg('results.' + h);
        head.appendChild(th);
      }
      const body = table.createTBody();
      for (const unit of units) {
        const row = body.insertRow();
        row.dataset.unit = unit.unit;
        row.tabIndex = 0;
        row.title = msg('results.openUnit');
        const open = () => showUnit(unit.unit, !!unit.not_appraised, !!unit.not_started);
        row.addEventListener('click', open);
        row.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
        cell(row, unit.rank || '', 'number');
        cell(row, unit.unit, 'v');
        cell(row, unit.unit_name, 'v');
        // The appraised column of a unit the office has not appraised is only its own
        // figures, and the self-assessed column of a unit that never started holds
        // nothing of its own: the server gives it no index and no rank (not_appraised,
        // not_started).
        if (unit.not_appraised || unit.not_started) {
          row.classList.add('not-appraised');
          cell(row, msg(unit.not_appraised ? 'results.notAppraised' : 'results.notStarted'), 'number');
          cell(row, '');
          cell(row, '', 'bar-cell');
        } else {
          cell(row, formatIndex(unit.index_hundredths), 'number');
          cell(row, unit.classification || '', 'v');
          cell(row, '', 'bar-cell').appendChild(bar(Number(unit.index_hundredths || 0) / 100));
        }
        // Each value named by its column on a phone, where the table is a list (style.css).
        ['rank', 'code', 'unit', 'index', 'class'].forEach((h, i) => {
          row.cells[i].dataset.label = msg('results.' + h);
        });
      }
      blocks.appendChild(table);
    }
  });
}

// One unit's points per area, with a bar for the share of the applicable maximum. A
// unit not yet appraised (`notAppraised`) shows its own figures, and says so; one that
// never started its self-assessment (`notStarted`) says that it has assessed nothing.
async function showUnit(code, notAppraised, notStarted) {
  await guarded('results-error', async () => {
    const score = await call('ScoreService/GetUnitScore', {
      name: assessmentName(code), column: notAppraised ? 'SELF' : $('column').value,
    });
    $('breakdown-title').textContent = notAppraised
      ? msg('results.unitNotAppraised', {unit: score.unit_name})
      : notStarted || score.not_started
        ? msg('results.unitNotStarted', {unit: score.unit_name})
        : msg('results.unitTitle', {unit: score.unit_name, index: formatIndex(score.index_hundredths)});
    const body = document.querySelector('#areas tbody');
    body.replaceChildren();
    for (const area of score.areas || []) {
      const row = body.insertRow();
      cell(row, area.code + '. ' + area.title, 'v');
      cell(row, formatMilli(area.points_milli), 'number');
      cell(row, formatMilli(area.applicable_max_milli), 'number');
      cell(row, area.applicable_max_milli ? formatPercent(area.index_hundredths) : '', 'number');
      cell(row, '', 'bar-cell').appendChild(bar(Number(area.index_hundredths || 0) / 100));
    }
    $('breakdown').hidden = false;
    $('breakdown').scrollIntoView();
  });
}

// A file from the gateway (a token goes in a header, so not a plain link), saved as
// `name`.
async function downloadFile(url, name, errorId) {
  const response = await send(url, {headers: authHeaders()});
  if (!response.ok) {
    showError(errorId, apiError(await response.json()));
    return;
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

// ---- signing in and out ----

// The first view for the caller's role: a ward its form, the office its board.
function showHome() {
  const role = session.caller.role;
  if (role === 'ROLE_WARD') return showForm();
  if (role === 'ROLE_APPRAISER') return showBoard();
  return showResults();
}

function showOnly(id) {
  for (const part of ['signin', 'token-signin', 'change-password', 'nav']) $(part).hidden = part !== id;
}

// The sign-in form, everything of the last session forgotten.
function showSignIn(message) {
  Object.assign(session, {token: '', csrf: '', caller: null, oneTimePassword: '', resume: null});
  // Questions not yet sent are the person's: in their draft, not in the page for the next.
  pendingAsks.clear();
  showView('');
  showOnly('signin');
  $('token-signin').hidden = false;
  showText('signin-message', message || '');
  showText('signin-error', '');
  $('username').focus();
}

// caller: {role, unit, name, key}; key names the account (or the token) in what the
// page keeps in this browser (the ward's drafts). Lists the rounds and opens the role's
// first view.
async function enter(caller) {
  session.caller = caller;
  const rounds = await call('RoundService/ListRounds', {});
  const select = $('round');
  select.replaceChildren();
  for (const round of rounds.rounds || []) {
    // The round by its title; its id only where it has none.
    select.add(new Option(round.title || round.id, round.id));
  }
  const role = caller.role;
  // The person's name and unit are data (data-v); the role is the page's words.
  const data = (text, id) => {
    const span = document.createElement('span');
    span.dataset.v = '';
    span.textContent = text;
    if (id) span.id = id;
    return span;
  };
  // The unit by its code until its form says its name (showForm).
  $('who').replaceChildren(...(caller.name ? [data(caller.name), ' – '] : []), roleTitle(role),
      ...(caller.unit ? [' ', data(caller.unit, 'who-unit')] : []));
  // None to choose: the picker says so instead of showing an empty box.
  $('round').disabled = select.options.length === 0;
  if (!select.options.length) select.add(new Option(msg('round.noneListed'), ''));
  $('show-form').hidden = role !== 'ROLE_WARD';
  $('show-board').hidden = role !== 'ROLE_APPRAISER';
  $('show-tasks').hidden = role !== 'ROLE_WARD' && role !== 'ROLE_APPRAISER';
  showOnly('nav');
  // Signed in again after the session ended under a unit's appraisal: that unit, in
  // its round, if the round is still listed.
  const resume = session.resume;
  session.resume = null;
  if (resume && resume.key === caller.key && role === 'ROLE_APPRAISER' &&
      [...select.options].some((o) => o.value === resume.round)) {
    select.value = resume.round;
    await showAppraisal(resume.unit, true);
    return;
  }
  await showHome();
}

// A cookie session's answer ({csrf_token, account}): first a new password if the one in
// use is a one-time password, then the page.
async function signedIn(answer) {
  session.token = '';
  session.csrf = answer.csrf_token;
  const account = answer.account;
  if (account.must_change_password) {
    showOnly('change-password');
    // Just typed to sign in: the one-time password is not asked again (a field holding
    // it, hidden, was typed into a second time).
    $('old-password').value = session.oneTimePassword || '';
    $('old-password-field').hidden = !!session.oneTimePassword;
    $(session.oneTimePassword ? 'new-password' : 'old-password').focus();
    return;
  }
  session.oneTimePassword = '';
  const scope = account.scope || '';
  await enter({
    role: account.role, unit: scope.startsWith('units/') ? scope.slice(6) : '',
    name: account.full_name || account.username, key: account.id || account.username,
  });
}

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  showText('signin-message', '');
  await guarded('signin-error', async () => {
    const response = await send('/v1/session', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({username: $('username').value.trim(), password: $('password').value}),
    });
    const json = await response.json();
    if (response.status === 401) throw new Error(msg('signin.refused'));
    if (!response.ok) throw apiError(json);
    session.oneTimePassword = $('password').value;
    $('password').value = '';
    await signedIn(json);
  });
});

// The server's words on a new password, in Vietnamese.
const PASSWORD_MESSAGES = [
  [/^new_password: at least 10/, 'password.tooShort'],
  [/^new_password: holds U\+/, 'password.control'],
  [/^new_password: must not be the username/, 'password.isUsername'],
  [/^new_password: must differ/, 'password.same'],
  [/^old_password:/, 'password.wrongOld'],
];

$('change-password').addEventListener('submit', async (event) => {
  event.preventDefault();
  await guarded('change-error', async () => {
    if ($('new-password').value !== $('new-password-again').value) {
      throw new Error(msg('password.mismatch'));
    }
    try {
      await call('AccountService/ChangePassword', {
        old_password: $('old-password').value, new_password: $('new-password').value,
      });
    } catch (e) {
      const known = PASSWORD_MESSAGES.find(([pattern]) => pattern.test(e.serverWords || ''));
      throw known ? new Error(msg(known[1])) : e;
    }
    for (const id of ['old-password', 'new-password', 'new-password-again']) $(id).value = '';
    session.oneTimePassword = '';
    const response = await send('/v1/session', {headers: authHeaders()});
    const json = await response.json();
    if (!response.ok) throw apiError(json);
    await signedIn(json);
  });
});

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  session.token = $('token').value.trim();
  session.csrf = '';
  await guarded('token-error', async () => {
    const token = await call('TokenService/GetCallerToken', {});
    $('token').value = '';
    await enter({role: token.role, unit: token.unit, name: '', key: token.account || token.id});
  });
  if (!session.caller) session.token = '';
});

// Signs out: a cookie session ends on the server (DELETE /v1/session), a token is
// forgotten, and so are the person's drafts in this browser (a shared computer keeps
// nothing of them for the next person). Unsaved changes are asked about first.
async function signOut() {
  if (unsavedChanges() && !window.confirm(msg('signout.unsaved'))) return;
  if (session.caller) forgetDrafts(session.caller.key);
  let error = null;
  if (!session.token && session.csrf) {
    try {
      const response = await send('/v1/session', {method: 'DELETE', headers: authHeaders()});
      if (!response.ok && response.status !== 401) error = apiError(await response.json());
    } catch (e) {
      error = e;
    }
  }
  // The next person at this computer starts from an empty form.
  $('username').value = '';
  $('password').value = '';
  showSignIn(error ? '' : msg('signin.signedOut'));
  showError('signin-error', error);
}

$('signout').addEventListener('click', signOut);
$('change-signout').addEventListener('click', signOut);

// The sticky «Lưu»/«Nộp» bar covers the bottom of the window: the browser keeps a field
// reached by Tab above it (scroll-padding), whatever height the bar wraps to on a phone.
const stickyBars = new ResizeObserver(() => {
  const heights = [...document.querySelectorAll('.actions')].map((bar) => bar.offsetHeight);
  document.documentElement.style.scrollPaddingBottom = `${Math.max(0, ...heights) + 8}px`;
});
document.querySelectorAll('.actions').forEach((bar) => stickyBars.observe(bar));

// A reload (F5) comes back to the unit being appraised, as signing in again does
// (enter): this tab keeps where it was (sessionStorage), read once at the next load.
const RESUME_KEY = 'parindex.resume';
window.addEventListener('pagehide', () => {
  const point = resumePoint();
  if (point) sessionStorage.setItem(RESUME_KEY, JSON.stringify(point));
  else sessionStorage.removeItem(RESUME_KEY);
});

// A reload keeps the session: the cookie is sent, and the server says whose it is.
// Asked once every script of the page has run (DOMContentLoaded): the views that
// signedIn opens are assess.js's, and the answer can come before that file has run.
document.addEventListener('DOMContentLoaded', async () => {
  const kept = sessionStorage.getItem(RESUME_KEY);
  sessionStorage.removeItem(RESUME_KEY);
  try {
    session.resume = kept ? JSON.parse(kept) : null;
  } catch (e) {
    session.resume = null;  // not ours: ignored
  }
  try {
    const response = await send('/v1/session', {});
    if (response.ok) {
      await signedIn(await response.json());
      return;
    }
  } catch (e) {
    // Shown on the form below.
    showSignIn();
    showError('signin-error', e);
    return;
  }
  showSignIn();
});

// The round picker and the header's views leave the form or the appraisal on screen:
// typed, unsaved work is asked about first (leaveView, assess.js). A round picked and
// not left to goes back in the picker.
let roundShown = '';
$('round').addEventListener('focus', () => { roundShown = $('round').value; });
$('round').addEventListener('change', () => {
  if (!leaveView()) {
    $('round').value = roundShown;
    return;
  }
  roundShown = $('round').value;
  showHome();
});
$('column').addEventListener('change', showResults);
$('download').addEventListener('click', () => downloadFile(
    '/v1/rounds/' + $('round').value + '/export.xlsx', $('round').value + '.xlsx',
    'results-error'));
// The printable round report in a new tab, to print from there. The tab opens on the
// click (a tab opened after an await is a blocked pop-up), then shows the report.
$('print-report').addEventListener('click', async () => {
  const tab = window.open('', '_blank');
  const response = await send('/v1/rounds/' + $('round').value + '/export.html?column=' +
      $('column').value.toLowerCase(), {headers: authHeaders()});
  if (!response.ok) {
    if (tab) tab.close();
    showError('results-error', apiError(await response.json()));
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  if (tab) tab.location = url;
  else window.location = url;
});
$('show-results').addEventListener('click', () => { if (leaveView()) showResults(); });
$('show-form').addEventListener('click', () => { if (leaveView()) showForm(); });
$('show-board').addEventListener('click', () => { if (leaveView()) showBoard(); });
