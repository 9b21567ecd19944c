// The results page: sign in with a token, pick a round, see the ranking per block with
// a bar per unit, download the XLSX. Every call goes through the HTTP/JSON gateway.
'use strict';

let token = '';
const BLOCK_TITLES = {wards: 'Khối phường', communes: 'Khối xã'};

async function call(method, body) {
  const response = await fetch('/parindex.v1.' + method, {
    method: 'POST',
    headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(json.code + ': ' + json.message);
  return json;
}

// index_hundredths is an exact integer (as a string in JSON): 9047 → "90,47".
function formatIndex(hundredths) {
  const n = Number(hundredths);
  return Math.floor(n / 100) + ',' + String(n % 100).padStart(2, '0');
}

// Thousandths of a point rounded half away from zero to two decimals, as the server's
// tables print them: 9236 → "9,24", -750 → "-0,75".
function formatMilli(milli) {
  const m = Number(milli);
  const h = Math.floor((2 * Math.abs(m) + 10) / 20);
  return (m < 0 && h > 0 ? '-' : '') + Math.floor(h / 100) + ',' + String(h % 100).padStart(2, '0');
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

async function showRanking() {
  const error = document.getElementById('results-error');
  const blocks = document.getElementById('blocks');
  error.textContent = '';
  blocks.replaceChildren();
  try {
    const ranking = await call('ScoreService/GetRanking', {
      name: 'rounds/' + document.getElementById('round').value,
      column: document.getElementById('column').value,
    });
    const byBlock = new Map();
    for (const unit of ranking.units || []) {
      if (!byBlock.has(unit.block)) byBlock.set(unit.block, []);
      byBlock.get(unit.block).push(unit);
    }
    for (const [block, units] of byBlock) {
      const table = document.createElement('table');
      table.id = 'ranking-' + block;
      const caption = table.createCaption();
      caption.textContent = BLOCK_TITLES[block] || 'Khối ' + block;
      const head = table.createTHead().insertRow();
      for (const h of ['Hạng', 'Mã', 'Đơn vị', 'Chỉ số', 'Xếp loại', '']) {
        const th = document.createElement('th');
        th.textContent = h;
        head.appendChild(th);
      }
      const body = table.createTBody();
      for (const unit of units) {
        const row = body.insertRow();
        row.dataset.unit = unit.unit;
        row.tabIndex = 0;
        row.title = 'Xem điểm theo lĩnh vực';
        row.addEventListener('click', () => showUnit(unit.unit));
        row.addEventListener('keydown', (e) => { if (e.key === 'Enter') showUnit(unit.unit); });
        cell(row, unit.rank || '', 'number');
        cell(row, unit.unit);
        cell(row, unit.unit_name);
        cell(row, formatIndex(unit.index_hundredths || 0), 'number');
        cell(row, unit.classification || '');
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.style.width = (Number(unit.index_hundredths || 0) / 100) + '%';
        bar.setAttribute('role', 'presentation');
        cell(row, '', 'bar-cell').appendChild(bar);
      }
      blocks.appendChild(table);
    }
  } catch (e) {
    error.textContent = e.message;
  }
}

// One unit's points per area, with a bar for the share of the applicable maximum.
async function showUnit(code) {
  const error = document.getElementById('results-error');
  error.textContent = '';
  try {
    const score = await call('ScoreService/GetUnitScore', {
      name: 'rounds/' + document.getElementById('round').value + '/assessments/' + code,
      column: document.getElementById('column').value,
    });
    document.getElementById('breakdown-title').textContent =
        score.unit_name + ': ' + formatIndex(score.index_hundredths || 0) + ' điểm chỉ số';
    const body = document.querySelector('#areas tbody');
    body.replaceChildren();
    for (const area of score.areas || []) {
      const row = body.insertRow();
      cell(row, area.code + '. ' + area.title);
      cell(row, formatMilli(area.points_milli || 0), 'number');
      cell(row, formatMilli(area.applicable_max_milli || 0), 'number');
      cell(row, area.applicable_max_milli ? formatIndex(area.index_hundredths || 0) + '%' : '', 'number');
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = Math.max(0, Number(area.index_hundredths || 0) / 100) + '%';
      cell(row, '', 'bar-cell').appendChild(bar);
    }
    document.getElementById('breakdown').hidden = false;
    document.getElementById('breakdown').scrollIntoView();
  } catch (e) {
    error.textContent = e.message;
  }
}

async function download() {
  const round = document.getElementById('round').value;
  const response = await fetch('/v1/rounds/' + round + '/export.xlsx',
                               {headers: {'Authorization': 'Bearer ' + token}});
  if (!response.ok) {
    document.getElementById('results-error').textContent = (await response.json()).message;
    return;
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = round + '.xlsx';
  link.click();
}

document.getElementById('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  token = document.getElementById('token').value.trim();
  const error = document.getElementById('signin-error');
  error.textContent = '';
  try {
    const rounds = await call('RoundService/ListRounds', {});
    const select = document.getElementById('round');
    select.replaceChildren();
    for (const round of rounds.rounds || []) {
      select.add(new Option(round.title ? round.title + ' (' + round.id + ')' : round.id, round.id));
    }
    document.getElementById('signin').hidden = true;
    document.getElementById('results').hidden = false;
    await showRanking();
  } catch (e) {
    error.textContent = e.message;
  }
});
document.getElementById('round').addEventListener('change', showRanking);
document.getElementById('column').addEventListener('change', showRanking);
document.getElementById('download').addEventListener('click', download);
