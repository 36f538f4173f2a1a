// Organization form: the generative-AI filing number only applies to vendors, so hide it
// while "enterprise" is selected. Without JavaScript the field stays visible and the server
// ignores it for enterprises.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-organization-form]");
  if (!form) return;
  const filing = form.querySelector('[data-field="filing_number"]');
  if (!filing) return;
  const radios = form.querySelectorAll('input[name="kind"]');
  const update = () => {
    const checked = form.querySelector('input[name="kind"]:checked');
    const kind = checked ? checked.value : form.dataset.kind;
    filing.hidden = kind !== "vendor";
  };
  radios.forEach((radio) => radio.addEventListener("change", update));
  update();
});
