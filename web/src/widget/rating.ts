// The end-of-conversation rating: five stars (native radio buttons, so arrow keys and screen
// readers work), an optional comment, one submission.

import type { RatingPrompt } from "./api";
import { h } from "./dom";
import type { Strings } from "./strings";

let instances = 0;

export function ratingForm(
  prompt: RatingPrompt,
  t: Strings,
  submit: (rating: number, comment: string) => Promise<string>,
): HTMLElement {
  const name = `kefu-rating-${++instances}`;
  const stars = h("div", { class: "stars" });
  const labels: [number, HTMLLabelElement][] = [];
  for (const score of [...prompt.scale].sort((a, b) => a - b)) {
    const id = `${name}-${score}`;
    const label = h("label", { for: id, title: t.star(score) }, h("span", { "aria-hidden": "true" }, "★"), h("span", { class: "sr" }, t.star(score)));
    labels.push([score, label]);
    stars.append(h("input", { type: "radio", name, id, value: String(score), required: true }), label);
  }
  const light = (upTo: number) => labels.forEach(([score, label]) => label.classList.toggle("on", score <= upTo));
  const chosen = () => Number(form.querySelector<HTMLInputElement>("input[type=radio]:checked")?.value ?? 0);
  for (const [score, label] of labels) {
    label.addEventListener("mouseenter", () => light(score));
    label.addEventListener("mouseleave", () => light(chosen()));
  }
  const comment = h("textarea", { rows: "2", maxlength: "1000", "aria-label": t.comment, placeholder: t.comment });
  const button = h("button", { type: "submit", class: "submit", disabled: true }, t.submitRating);
  const status = h("p", { class: "status", role: "status", tabindex: "-1" });
  const form = h(
    "form",
    { class: "rating" },
    h("fieldset", {}, h("legend", {}, prompt.prompt || t.rateLegend), stars, comment, button),
    status,
  );
  stars.addEventListener("change", () => {
    light(chosen());
    button.disabled = false;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = form.querySelector<HTMLInputElement>("input[type=radio]:checked");
    if (!checked) return;
    button.disabled = true;
    try {
      const thanks = await submit(Number(checked.value), comment.value.trim());
      // The form goes; the thanks stays in the same status line, which takes the focus.
      form.querySelector("fieldset")?.remove();
      status.className = "status thanks";
      status.replaceChildren(h("span", { "aria-hidden": "true" }, "★".repeat(Number(checked.value))), " ", thanks || t.thanks);
      status.focus();
    } catch (error) {
      button.disabled = false;
      status.className = "status error";
      status.textContent = error instanceof Error && error.message ? error.message : t.error;
    }
  });
  return form;
}
