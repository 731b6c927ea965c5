// Live progress from the API's event stream (server-sent events). The stream takes a
// one-minute ticket in its address (EventSource cannot send headers); when it drops, a
// fresh ticket is fetched. When the work ends, the page is loaded again to show the result.
export function followProgress(section) {
  const bar = section.querySelector("[data-bar]");
  const percent = section.querySelector("[data-percent]");
  const stage = section.querySelector("[data-stage]");
  const elapsed = section.querySelector("[data-elapsed]");
  const names = new Map(
    [...section.querySelectorAll("[data-stage-names] li")].map((li) => [li.dataset.name, li.textContent]),
  );
  const started = Date.parse(section.dataset.started);
  const tick = () => {
    const seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
    elapsed.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  setInterval(tick, 1000);

  let failures = 0;
  const open = (url) => {
    const stream = new EventSource(url);
    stream.addEventListener("progress", (event) => {
      failures = 0;
      const data = JSON.parse(event.data);
      bar.value = data.progress;
      percent.textContent = data.progress;
      stage.textContent = names.get(data.stage || "none") || data.stage;
    });
    for (const name of ["done", "deleted"]) {
      stream.addEventListener(name, () => { stream.close(); window.location.reload(); });
    }
    stream.addEventListener("error", async () => {
      stream.close();
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 1000 * 2 ** failures)));
      const answer = await fetch(section.dataset.ticketUrl, { credentials: "same-origin" });
      if (answer.ok) open((await answer.json()).events_url);
    });
  };
  open(section.dataset.eventsUrl);
}
