// The query page: YASGUI on /sparql with the example queries (a file, not inline, for the CSP: script-src 'self').
const examples = JSON.parse(document.getElementById("example-queries").textContent);
const endpoint = new URL("/sparql", window.location.href).toString();
// A token typed on the page goes with each query as a bearer token; it is never stored (issue 6).
const tokenField = document.getElementById("token");
const authorization = () => {
  const token = tokenField ? tokenField.value.trim() : "";
  return token ? { Authorization: "Bearer " + token } : {};
};
const yasgui = new Yasgui(document.getElementById("yasgui"), {
  requestConfig: { endpoint: endpoint, method: "POST", headers: authorization },
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
