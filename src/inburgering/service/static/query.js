// The query page: YASGUI on /sparql with the example queries (a file, not inline, for the CSP: script-src 'self').
const examples = JSON.parse(document.getElementById("example-queries").textContent);
const endpoint = new URL("/sparql", window.location.href).toString();
const yasgui = new Yasgui(document.getElementById("yasgui"), {
  requestConfig: { endpoint: endpoint, method: "POST" },
  copyEndpointOnNewTab: true,
  persistenceId: null,
  yasqe: { value: examples.length ? examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" },
});
document.querySelectorAll("button.example").forEach((button) => {
  button.addEventListener("click", () => {
    yasgui.getTab().getYasqe().setValue(examples[Number(button.dataset.example)].query);
  });
});
window.inburgeringYasgui = yasgui;
