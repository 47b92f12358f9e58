// The query page: YASGUI on /sparql, and the saved queries of /api/queries (a file, not inline, for the CSP:
// script-src 'self').
const saved = JSON.parse(document.getElementById("saved-queries").textContent);
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
  yasqe: { value: saved.length ? saved[0].example_query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" },
});

// The parameters of a form as a query string: a municipality field may hold several codes, comma-separated.
function parameters(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form).entries()) {
    for (const part of String(value).split(",")) {
      if (part.trim()) params.append(name, part.trim());
    }
  }
  return params;
}

// What the token could not see, from the Inburgering-Withheld headers (security/withheld.py).
function withheldText(header, records) {
  if (!header || header === "none") return "";
  if (header === "instance-data") {
    return "Zonder token (of zonder gemeenten) telt dit antwoord geen persoonsgegevens mee: alleen openbare gegevens.";
  }
  const fields = Object.fromEntries(header.split(";").slice(1).map((part) => part.trim().split("=")));
  let text = `Uw token mag geen bijzondere persoonsgegevens zien: ${fields.facts} feiten over ${fields.records} ` +
    `gegevens in ${fields.graphs} grafen van uw gemeenten zijn niet meegeteld.`;
  if (records) text += ` Per soort: ${records}.`;
  return text;
}

function table(json) {
  const wrapper = document.createElement("div");
  const vars = json.head.vars;
  const rows = json.results.bindings;
  const count = document.createElement("p");
  count.className = "count";
  count.textContent = `${rows.length} rij${rows.length === 1 ? "" : "en"}`;
  wrapper.appendChild(count);
  const t = document.createElement("table");
  t.className = "props results";
  const head = t.createTHead().insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const v of vars) {
      const cell = tr.insertCell();
      const term = row[v];
      if (!term) continue;
      if (term.type === "uri") {
        const a = document.createElement("a");
        a.href = term.value;
        a.textContent = term.value;
        cell.appendChild(a);
      } else {
        cell.textContent = term.value;
      }
    }
  }
  wrapper.appendChild(t);
  return wrapper;
}

async function call(form, format) {
  const name = form.dataset.name;
  const params = parameters(form);
  if (format) params.set("format", format);
  const url = `/api/queries/${encodeURIComponent(name)}?${params}`;
  const accept = format === "csv" ? "text/csv" : "application/sparql-results+json";
  return fetch(url, { headers: { Accept: accept, ...authorization() } });
}

async function showError(box, response) {
  let message = `${response.status}`;
  try {
    const body = await response.text();
    message += ": " + (body.startsWith("{") ? JSON.parse(body).error : body);
  } catch (e) { /* the status says enough */ }
  box.textContent = message;
  box.className = "answer error";
}

document.querySelectorAll("details.saved-query").forEach((details) => {
  const form = details.querySelector("form");
  const box = details.querySelector(".answer");
  const note = details.querySelector(".withheld");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.textContent = "Bezig…";
    box.className = "answer";
    const response = await call(form, null);
    const text = withheldText(response.headers.get("Inburgering-Withheld"),
                              response.headers.get("Inburgering-Withheld-Records"));
    note.textContent = text;
    note.hidden = !text;
    if (!response.ok) return showError(box, response);
    box.replaceChildren(table(await response.json()));
  });
  form.querySelector("button.csv").addEventListener("click", async () => {
    const response = await call(form, "csv");
    if (!response.ok) return showError(box, response);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `${form.dataset.name}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  });
  form.querySelector("button.edit").addEventListener("click", async () => {
    const response = await fetch(`/api/queries/${encodeURIComponent(form.dataset.name)}.rq?${parameters(form)}`);
    if (!response.ok) return showError(box, response);
    yasgui.getTab().getYasqe().setValue(await response.text());
    document.getElementById("yasgui").scrollIntoView();
  });
});
// A query of one's own shows what the token could not see, too (the /sparql answer's headers, read from the
// response each editor reports).
const watched = new WeakSet();
function watch(tab) {
  const yasqe = tab && tab.getYasqe();
  if (!yasqe || watched.has(yasqe)) return;
  watched.add(yasqe);
  yasqe.on("queryResponse", (...args) => {  // (yasqe, response, duration): the response is the one with headers
    const response = args.find((a) => a && a.headers && typeof a.headers.get === "function");
    const headers = response && response.headers;
    const text = headers && typeof headers.get === "function"
      ? withheldText(headers.get("Inburgering-Withheld"), headers.get("Inburgering-Withheld-Records")) : "";
    const note = document.getElementById("yasgui-withheld");
    note.textContent = text;
    note.hidden = !text;
  });
}
watch(yasgui.getTab());
yasgui.on("tabSelect", () => setTimeout(() => watch(yasgui.getTab()), 0));

// /query#q-{name} (linked from /stats) opens that saved query.
const linked = window.location.hash && document.getElementById(window.location.hash.slice(1));
if (linked && linked.tagName === "DETAILS") {
  linked.open = true;
  linked.scrollIntoView();
}
window.inburgeringYasgui = yasgui;
