// AutoClip Studio: small enhancements over pages that work without script.
// Each feature looks for its own data attribute and does nothing when it is absent.
import { followBatch } from "./batch.js";
import { followProgress } from "./progress.js";
import { browserZone, followPublications } from "./publish.js";
import { previewPictures, reorderScenes } from "./storyboard.js";
import { stepThrough } from "./wizard.js";

for (const button of document.querySelectorAll("[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = document.documentElement.lang === "ko" ? "복사됨" : "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}

const progress = document.querySelector("[data-progress]");
if (progress) followProgress(progress);

const wizard = document.querySelector("[data-wizard]");
if (wizard) stepThrough(wizard);

const storyboard = document.querySelector("[data-storyboard]");
if (storyboard) {
  reorderScenes(storyboard);
  previewPictures(storyboard);
}

const zone = document.querySelector("[data-browser-zone]");
if (zone) browserZone(zone);

const publications = document.querySelector("[data-publications]");
if (publications) followPublications(publications);
const batch = document.querySelector("[data-batch]");
if (batch) followBatch(batch);
