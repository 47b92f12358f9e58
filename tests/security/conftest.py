"""A store with two large municipalities and a small one, special-category facts apart, and tokens for them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from inburgering.namespaces import DEFAULT_BASE, VOCAB, concept_iri, gemeente_iri, instance_graph, meta_graph
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import publish_public

BASE = DEFAULT_BASE
#: Persons per municipality: two that publish counts, one too small to show.
SIZES = {"GM0363": 40, "GM0599": 30, "GM0014": 4}
LOAD = "L1"


@dataclass(frozen=True)
class Person:
    gemeente: str
    pseudonym: str
    special: bool  # has a medical dispensation (special category)

    @property
    def iri(self) -> str:
        return f"{BASE}/id/persoon/{self.pseudonym}"


def _person_trig(p: Person, rng: random.Random) -> tuple[str, str]:
    """(main graph triples, special-category triples) of one person, as the loader writes them."""
    inb, me = f"<{VOCAB}", f"<{BASE}/id"
    route = rng.choice("BBBOZ")
    doelgroep = rng.choice(["Asielstatushouder", "Asielstatushouder", "Gezinsmigrant-en-overige-migrant"])
    key = p.pseudonym
    main = (f"<{p.iri}> a {inb}Inburgeraar> ; {inb}pseudoniem> \"{key}\" ; {inb}gemeente> <{gemeente_iri(p.gemeente)}> ;"
            f" {inb}doelgroep> <{concept_iri('doelgroep', doelgroep)}> ; {inb}heeftPip> {me}/pip/{key}-actueel> ;"
            f" {inb}heeftInburgeringsplicht> {me}/inburgeringsplicht/{key}-actueel> .\n"
            f"{me}/pip/{key}-actueel> a {inb}PIP> ; {inb}dagtekening> \"2024-03-01\"^^<http://www.w3.org/2001/XMLSchema#date> .\n"
            f"{me}/leerroute/{key}-actueel> a {inb}Leerroute> ; {inb}afgesprokenIn> {me}/pip/{key}-actueel> ;"
            f" {inb}leerrouteType> <{concept_iri('leerroute', route)}> .\n")
    for n, part in enumerate(("KNM", "LE", "SP")):
        result = rng.choice(["Geslaagd", "Geslaagd", "Gezakt"])
        main += (f"<{p.iri}> {inb}heeftExamenresultaat> {me}/examenresultaat/{key}-{n}> .\n"
                 f"{me}/examenresultaat/{key}-{n}> {inb}examenonderdeel> <{concept_iri('examenonderdeel', part)}> ;"
                 f" {inb}resultaat> <{concept_iri('examenresultaat', result)}> .\n")
    special = ""
    if p.special:
        special = (f"{me}/inburgeringsplicht/{key}-actueel> {inb}heeftOntheffing> {me}/ontheffing/{key}-1> .\n"
                   f"{me}/ontheffing/{key}-1> a {inb}Ontheffing> ; {inb}ontheffingsgrond> "
                   f"<{concept_iri('ontheffingsgrond', 'MED')}> ; {inb}oordeel> "
                   f"<{concept_iri('aanvraagoordeel', 'Toekenning')}> .\n")
    return main, special


def build_instance_store(location: str | Path) -> list[Person]:
    """Public graphs plus published instance graphs per municipality (and their ``/bijzonder`` graphs), in the
    store at ``location`` (a folder, or a cleared remote store's URL)."""
    rng = random.Random(6)
    store = open_store(str(location))
    load_public_graphs(store, base=BASE)
    persons, parts, meta = [], [], []
    for gemeente, size in SIZES.items():
        graph = instance_graph(BASE, gemeente, "duo", LOAD)
        special_graph = instance_graph(BASE, gemeente, "duo", LOAD, special=True)
        main, special = "", ""
        for i in range(size):
            person = Person(gemeente, f"{rng.getrandbits(128):032x}", special=i % 3 == 0)
            persons.append(person)
            m, s = _person_trig(person, rng)
            main, special = main + m, special + s
        parts += [f"<{graph}> {{\n{main}}}", f"<{special_graph}> {{\n{special}}}"]
        for g in (graph, special_graph):
            meta.append(f"<{g}> a <{VOCAB}InstanceGraph> ; <{VOCAB}gemeente> <{gemeente_iri(gemeente)}> ; "
                        f"<{VOCAB}bron> \"duo\" ; <{VOCAB}published> true .")
    parts.append(f"<{meta_graph(BASE)}> {{\n" + "\n".join(meta) + "\n}")
    store.load("\n".join(parts).encode(), format=RdfFormat.TRIG)
    publish_public(store, base=BASE, changed=[])  # a publication: union graphs, and a checkpoint on disk
    store.close()
    return persons


@dataclass
class Deployment:
    """A service over the test store (a folder or a remote store's URL), its tokens and its audit log."""

    store: str
    tokens: TokenStore
    audit_log: Path
    persons: list[Person]

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {"store": str(self.store), "token_db": self.tokens.path,
                                     "audit_log": self.audit_log, "public_url": "http://testserver", **overrides}
        return Settings(**values)  # type: ignore[arg-type]

    def client(self, **overrides: object) -> TestClient:
        return TestClient(create_app(self.settings(**overrides), query_workers=0))

    def token(self, role: str = "analyst", *gemeenten: str, special: bool = False) -> dict[str, str]:
        issued = self.tokens.create(role=role, gemeenten=gemeenten, special_categories=special)
        return {"Authorization": f"Bearer {issued.token}"}

    def person(self, gemeente: str, *, special: bool = False) -> Person:
        return next(p for p in self.persons if p.gemeente == gemeente and p.special == special)


@pytest.fixture(scope="module")
def deployment(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The deployment, once per module on each backend (``module_store_url``)."""
    folder = tmp_path_factory.mktemp("deployment")
    persons = build_instance_store(module_store_url)
    tokens = TokenStore(folder / "tokens.sqlite")
    yield Deployment(module_store_url, tokens, folder / "audit.jsonl", persons)
    tokens.close()
