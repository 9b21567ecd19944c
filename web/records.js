// "Why this number" (README: "Dossier records"): a figure the round computes from the
// province's dossier records says where it came from, cannot be typed over by the
// ward, and lists on request the dossier ids behind it, a page at a time
// (RecordService/ExplainFigure). assess.js calls recordsFigure for every element field
// it lays out; everything else about records on the page is here.
'use strict';

const RECORDS_PAGE = 200;  // dossier ids per page shown

// Adds to the field `wrap` of element `el` (ids "<prefix>-el-<code>…") the provenance
// of a value computed from records, and the "why" button with its list. `dv`: the
// element's stored DataValue (null when none). Nothing for a typed element.
function recordsFigure(wrap, prefix, el, dv) {
  const from = dv && dv.self && dv.self.from_records;
  if (!from) return;
  const id = prefix + '-el-' + el.code;
  // The unit's side is the records': the ward disputes it, it does not type over it.
  computedFigureNote(wrap, prefix, el, 'records', msg('records.from', {
    dossiers: groupThousands(String(from.dossiers || 0)),
    import: String(from.import_id || 0),
    end: from.period_end ? formatTime(from.period_end) : msg('time.none'),
  }), msg('records.readOnly'));
  const why = element('button', {type: 'button', class: 'link records-why', id: id + '-why',
                                 'aria-expanded': 'false', 'aria-controls': id + '-ids'},
                      msg('records.why'));
  const box = element('div', {class: 'records-ids', id: id + '-ids', hidden: ''});
  why.addEventListener('click', () => {
    const open = box.hidden;
    box.hidden = !open;
    why.setAttribute('aria-expanded', String(open));
    if (open && !box.dataset.loaded) {
      box.dataset.loaded = '1';
      recordsPage(box, el, '');
    }
  });
  wrap.append(why, box);
}

// One page of the dossier ids behind `el`'s figure into `box`, after those shown, with
// "more" while pages remain. A page is asked for only when shown.
async function recordsPage(box, el, token) {
  const status = box.querySelector('.records-status') ||
      box.appendChild(element('p', {class: 'records-status', 'aria-live': 'polite'}));
  showText(status, msg('records.loading'));
  try {
    const page = await call('RecordService/ExplainFigure', {
      parent: assessmentName(form.unit), element: el.code, page_size: RECORDS_PAGE,
      page_token: token,
    });
    let list = box.querySelector('ol');
    if (!list) {
      box.insertBefore(element('p', {class: 'records-count'},
                               msg('records.count', {count: groupThousands(String(page.count || 0))})),
                       status);
      list = box.insertBefore(element('ol', {class: 'records-list'}), status);
    }
    for (const dossier of page.dossier_ids || []) list.appendChild(element('li', {'data-v': ''}, dossier));
    showText(status, (page.count || 0) === 0 ? msg('records.none') : '');
    const old = box.querySelector('.records-more');
    if (old) old.remove();
    if (page.next_page_token) {
      const more = element('button', {type: 'button', class: 'link records-more'}, msg('records.more'));
      more.addEventListener('click', () => {
        more.remove();
        recordsPage(box, el, page.next_page_token);
      });
      box.appendChild(more);
    }
  } catch (e) {
    showError(status, e);
  }
}
