// The storyboard's "Move up" / "Move down" move the scene card in the page (without
// script they post the form and get it back reordered). The order of the cards is the
// order the form sends; the focus stays on the button, and the new place is announced.
export function reorderScenes(form) {
  const list = form.querySelector("[data-scenes]");
  const announce = form.querySelector("[data-announce]");
  const movable = () => [...list.querySelectorAll(".movable")];

  const renumber = () => {
    movable().forEach((card, index, all) => {
      card.querySelector("[data-scene-title]").textContent =
        list.dataset.sceneTitle.replace("{n}", index + 1);
      card.querySelector('[data-move="up"]').disabled = index === 0;
      card.querySelector('[data-move="down"]').disabled = index === all.length - 1;
    });
  };

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    const card = button.closest(".movable");
    const cards = movable();
    const index = cards.indexOf(card);
    if (button.dataset.move === "up" && index > 0) cards[index - 1].before(card);
    if (button.dataset.move === "down" && index < cards.length - 1) cards[index + 1].after(card);
    renumber();
    const place = movable().indexOf(card) + 1;
    announce.textContent = list.dataset.moved.replace("{n}", place);
    if (button.disabled) card.querySelector("[data-move]:not([disabled])")?.focus();
    else button.focus();
  });
}

// A scene's picture chosen from the library shows at once (without script, after the form
// comes back). A video preview is muted and never plays by itself.
export function previewPictures(form) {
  form.addEventListener("change", (event) => {
    const select = event.target.closest('select[name="picture"]');
    if (!select) return;
    const box = select.closest("[data-picture]");
    const option = select.selectedOptions[0];
    let preview;
    if (!option.value) {
      preview = document.createElement("p");
      preview.className = "muted";
      preview.textContent = option.textContent;
    } else {
      preview = document.createElement(option.dataset.kind === "clip" ? "video" : "img");
      preview.className = "media-thumb";
      preview.src = option.dataset.url;
      if (option.dataset.kind === "clip") {
        preview.muted = true;
        preview.preload = "metadata";
        preview.setAttribute("aria-label", option.textContent);
      } else {
        preview.alt = option.textContent;
      }
    }
    preview.dataset.preview = "";
    box.querySelector("[data-preview]").replaceWith(preview);
  });
}
