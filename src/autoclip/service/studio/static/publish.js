// Publishing: the publish form reads a scheduled time in the browser's own time zone, and
// a video's page follows its upload, loading itself again when a publication changes
// (uploaded bytes, published, failed, waiting). Without script the zone field keeps the
// language's default and the page is one to reload.
export function browserZone(input) {
  if (input.hasAttribute("data-given")) return; // the visitor's own answer, posted back
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) input.value = zone;
}

export function followPublications(section) {
  let delay = 1500;
  const check = async () => {
    try {
      const answer = await fetch(section.dataset.publications, { credentials: "same-origin", cache: "no-store" });
      if (answer.ok && (await answer.json()).state !== section.dataset.state) {
        window.location.reload();
        return;
      }
    } catch {
      // offline for a moment: the next check tries again
    }
    delay = Math.min(15000, delay * 1.25); // a quota wait can last hours
    setTimeout(check, delay);
  };
  setTimeout(check, delay);
}
