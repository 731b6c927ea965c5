// The new-video form as steps: one fieldset at a time, Next and Back move between them and
// put the focus on the step's legend. Without script every step shows at once.
export function stepThrough(form) {
  const steps = [...form.querySelectorAll(".step")];
  form.classList.add("js");
  for (const nav of form.querySelectorAll(".steps-nav, [data-back]")) nav.hidden = false;
  steps[0].querySelector("[data-back]")?.remove();

  const estimate = form.querySelector("[data-estimate]");
  const priced = async () => {
    // The last step says what the API's estimate says of the form as it is now.
    const answer = await fetch(estimate.dataset.estimate, { method: "POST", body: new FormData(form) });
    if (answer.ok) estimate.textContent = (await answer.json()).text;
  };
  const show = (index, focus) => {
    steps.forEach((step, i) => step.classList.toggle("current", i === index));
    if (estimate && index === steps.length - 1) priced();
    if (focus) {
      const legend = steps[index].querySelector("legend");
      legend.tabIndex = -1;
      legend.focus();
    }
  };
  const chooseSource = () => {
    const kind = form.querySelector("[data-kind]:checked")?.value || "text";
    for (const field of form.querySelectorAll("[data-source]")) {
      field.classList.toggle("chosen", field.dataset.source === kind);
    }
  };
  form.addEventListener("change", (event) => { if (event.target.matches("[data-kind]")) chooseSource(); });
  form.addEventListener("click", (event) => {
    const current = steps.findIndex((step) => step.classList.contains("current"));
    if (event.target.matches("[data-next]")) show(Math.min(current + 1, steps.length - 1), true);
    if (event.target.matches("[data-back]")) show(Math.max(current - 1, 0), true);
  });
  chooseSource();
  // After a refused submit, open the first step with an error, its field focused.
  const invalid = form.querySelector(".invalid");
  const start = invalid ? steps.findIndex((step) => step.contains(invalid)) : 0;
  show(Math.max(start, 0), false);
  invalid?.querySelector("input, textarea, select")?.focus();
}
