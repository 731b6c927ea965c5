// A batch's live progress: its state polled from the studio's own copy of the API's
// GET /batches/{id} answer (a batch has no event stream of its own), every few seconds,
// the counts and each item's status updated in place; once every item is done, the page
// is loaded again to show the results with their links and reasons.
export function followBatch(section) {
  const bar = section.querySelector("[data-bar]");
  const names = new Map(
    [...section.querySelectorAll("[data-status-names] li")].map((li) => [li.dataset.name, li.textContent]),
  );
  const rows = new Map(
    [...document.querySelectorAll("tr[data-item]")].map((tr) => [Number(tr.dataset.item), tr]),
  );
  let wait = 2000;
  const poll = async () => {
    let answer;
    try {
      answer = await fetch(section.dataset.progressUrl, { credentials: "same-origin" });
    } catch {
      answer = null;
    }
    if (!answer || !answer.ok) {
      wait = Math.min(30000, wait * 2); // the server away a moment: ask less often
      setTimeout(poll, wait);
      return;
    }
    wait = 2000;
    const batch = await answer.json();
    const summary = batch.summary;
    if (summary.finished) { window.location.reload(); return; }
    for (const [name, count] of Object.entries(summary)) {
      const cell = section.querySelector(`[data-count="${name}"]`);
      if (cell) cell.textContent = count;
    }
    bar.value = summary.ready + summary.failed + summary.cancelled;
    section.querySelector("[data-finished]").textContent = bar.value;
    for (const item of batch.items) {
      const badge = rows.get(item.index)?.querySelector("[data-status]");
      if (!badge || badge.textContent === names.get(item.status)) continue;
      badge.textContent = names.get(item.status) || item.status;
      badge.className = `badge s-${item.status}`;
    }
    setTimeout(poll, wait);
  };
  setTimeout(poll, wait);
}
