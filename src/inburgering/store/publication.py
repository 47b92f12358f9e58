"""Which instance graphs are published: the one place that reads and writes the publication state.

A load writes its graphs (``{base}/graph/{gm0363}/{source}/{loadId}`` and ``…/bijzonder``) while they are
invisible, then publishes them with ONE SPARQL update of the meta graph that also retires the graphs published
before for the same municipality **and the same source**: DUO and GGM data of one municipality stay side by side.
The same update gives the store a new publication id (``<meta> owl:versionInfo``), which readers of a remote
store watch; an embedded store also gets a new checkpoint that its readers switch to (``store/snapshots.py``).
Readers build their datasets from :func:`published_graphs` only, so a half-written or crashed load is never seen.

>>> from inburgering.store import open_store
>>> store = open_store("memory:")
>>> base = "https://data.example.org"
>>> g = instance_graph(base, "GM0363", "duo", "L1")
>>> _ = publish(store, base=base, graphs=[("GM0363", g)])
>>> published_graphs(store, base=base)
['https://data.example.org/graph/gm0363/duo/L1']
>>> published_graphs(store, base=base, gemeenten=["GM0599"])
[]
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, QuerySolutions

from inburgering.errors import StoreError
from inburgering.namespaces import (
    DCT,
    DERIVED_SUFFIX,
    OWL,
    PROV,
    RDF,
    SPECIAL_SUFFIX,
    TOOI_GEMEENTE,
    VOCAB,
    XSD,
    gemeente_iri,
    instance_graph,
    meta_graph,
    provenance_graph,
    public_graph,
)
from inburgering.store import unions
from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore

#: The public graphs a reader may always add to its dataset.
PUBLIC_GRAPHS = ("ontology", "concepts", "shapes", "dataset")
#: Retired graphs of a remote store stay this long, for readers still answering from them (an embedded store's
#: readers answer from checkpoints, so there they go at once).
RETIRED_GRACE = timedelta(minutes=5)


def _prefixes() -> str:
    return (f"PREFIX inb: <{VOCAB}>\nPREFIX rdf: <{RDF}>\nPREFIX prov: <{PROV}>\nPREFIX owl: <{OWL}>\n"
            f"PREFIX dct: <{DCT}>\nPREFIX xsd: <{XSD}>\n")


def gemeente_code(iri: str) -> str:
    """``GM0363`` from the TOOI IRI ``…/gemeente/gm0363``."""
    return iri.removeprefix(TOOI_GEMEENTE).upper()


def is_special(graph: str) -> bool:
    """Whether an instance graph holds special-category facts (its IRI ends in ``/bijzonder``)."""
    return graph.endswith(SPECIAL_SUFFIX)


def instance_graph_pattern(base: str) -> re.Pattern[str]:
    """Matches the IRIs of instance graphs under ``base`` (group 1: ``gm0363``), of this version
    (``gm0363/duo/L1``) and of earlier ones (``gm0363/L1``)."""
    return re.compile(rf"^{re.escape(base.rstrip('/'))}/graph/(gm[0-9]{{4}})/[^/]+(?:/[^/]+)?"
                      rf"(?:{SPECIAL_SUFFIX}|{DERIVED_SUFFIX})?$")


def _graph_parts(base: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(base.rstrip('/'))}/graph/(gm[0-9]{{4}})/([a-z][a-z0-9-]{{0,31}})/[^/]+"
                      rf"(?:{SPECIAL_SUFFIX}|{DERIVED_SUFFIX})?$")


@dataclass(frozen=True)
class GraphRecord:
    """A published instance graph as the meta graph records it. ``source`` is ``None`` for a graph published by
    a version before sources were kept apart."""

    graph: str
    gemeente: str
    source: str | None
    loaded: str | None = None

    @property
    def special(self) -> bool:
        return is_special(self.graph)


def published_records(store: Store, *, base: str, gemeenten: Iterable[str] | None = None) -> list[GraphRecord]:
    """Every published instance graph with its municipality, source and the end time of its load (``gemeenten``:
    of those municipalities only, ``GM0363`` codes)."""
    values = "" if gemeenten is None else (
        "VALUES ?gm { " + " ".join(str(NamedNode(gemeente_iri(code))) for code in sorted(set(gemeenten))) + " } ")
    meta = NamedNode(meta_graph(base))
    graphs = f"{values}GRAPH {meta} {{ ?g a inb:InstanceGraph ; inb:gemeente ?gm ; inb:published true }} "
    # Three queries joined here. As one, with the OPTIONALs inside the GRAPH block after the VALUES, Oxigraph took
    # 1.5 s for the 20 municipalities of a load into the national store (954 graphs), where these take 22 ms.
    # The load's end is in the provenance graph (in the meta graph, written before 2026-12).
    found = _select(store, f"SELECT ?g ?gm ?bron WHERE {{ {graphs}OPTIONAL {{ GRAPH {meta} {{ ?g inb:bron ?bron }} }} }}")
    loads: dict[str, list[str]] = {}
    for row in _select(store, f"SELECT ?g ?load WHERE {{ {graphs}GRAPH {meta} {{ ?g prov:wasGeneratedBy ?load }} }}"):
        loads.setdefault(row["g"].value, []).append(row["load"].value)
    ended: dict[str, list[str]] = {}
    for row in _select(store, f"SELECT ?load ?t WHERE {{ VALUES ?p {{ {meta} {NamedNode(provenance_graph(base))} }} "
                              "GRAPH ?p { ?load prov:endedAtTime ?t } }"):
        ended.setdefault(row["load"].value, []).append(row["t"].value)
    records = set()
    for row in found:
        graph, code = row["g"].value, gemeente_code(row["gm"].value)
        source = row["bron"].value if row["bron"] is not None else None
        times: list[str | None] = [t for load in loads.get(graph, ()) for t in ended.get(load, ())]
        records |= {GraphRecord(graph, code, source, t) for t in times or [None]}
    return sorted(records, key=lambda r: r.graph)


def _select(store: Store, query: str) -> QuerySolutions:
    result = store.query(_prefixes() + query)
    assert isinstance(result, QuerySolutions)
    return result


def published_iris(store: Store, *, base: str) -> set[str]:
    """The IRIs of every published instance graph: one triple pattern, ten times cheaper than
    :func:`published_records` (what a publication reads of the whole store)."""
    return {row["g"].value for row in _select(store, f"SELECT ?g WHERE {{ GRAPH {NamedNode(meta_graph(base))} "
                                                   "{ ?g inb:published true } }")}


def published_graphs(store: Store, *, base: str, gemeenten: Iterable[str] | None = None,
                     special: bool = False, sources: Iterable[str] | None = None) -> list[str]:
    """The published instance graphs, sorted.

    ``gemeenten``: only those municipalities (``GM0363`` codes; ``None`` = all); ``sources``: only those sources
    (``duo``, ``ggm``; ``None`` = all). ``special=False`` leaves out the ``/bijzonder`` graphs (health, justice,
    addiction); ``special=True`` includes them as well.
    """
    wanted = None if gemeenten is None else {g.upper() for g in gemeenten}
    kinds = None if sources is None else set(sources)
    return sorted({r.graph for r in published_records(store, base=base)
                   if (wanted is None or r.gemeente in wanted) and (kinds is None or r.source in kinds)
                   and (special or not r.special)})


def public_graphs(store: Store, *, base: str) -> list[str]:
    """The public graphs (ontology, concepts, shapes, dataset) that exist in the store."""
    present = {g.value for g in store.named_graphs()}
    return [g for g in (public_graph(base, name) for name in PUBLIC_GRAPHS) if g in present]


def new_publication_id(now: datetime | None = None) -> str:
    """A sortable, unique publication id: ``20261202T142501Z-3f9a1c``."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def current_publication(store: Store, *, base: str) -> str | None:
    """The store's publication id (``owl:versionInfo`` of the meta graph), ``None`` before the first one."""
    meta = NamedNode(meta_graph(base))
    result = store.query(f"SELECT ?v WHERE {{ GRAPH {meta} {{ {meta} <{OWL}versionInfo> ?v }} }}")
    assert isinstance(result, QuerySolutions)
    values = sorted(row["v"].value for row in result)
    return values[-1] if values else None


@dataclass
class Publication:
    """What one publication did."""

    id: str
    published: list[str]
    retired: list[str]


def _ntriple(quad: Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def _stamp(store: Store, base: str, *, publication: str, now: datetime, delete: list[str], insert: list[str],
           where: str = "", quads: Iterable[Quad] = ()) -> None:
    """ONE update of the meta graph: ``delete`` and ``insert`` (ground triples) and a new publication id; in the
    same operation ``quads`` are inserted into their graphs (provenance)."""
    meta = NamedNode(meta_graph(base))
    when = Literal(now.isoformat(), datatype=NamedNode(XSD + "dateTime"))
    insert = [*insert, f"{meta} owl:versionInfo {Literal(publication)} ; dct:modified {when} ."]
    others: dict[str, list[str]] = {}
    for quad in quads:
        others.setdefault(str(quad.graph_name), []).append(_ntriple(quad))
    blocks = "".join(f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}\n" for graph, lines in sorted(others.items()))
    store.update(_prefixes() + (
        f"DELETE {{ GRAPH {meta} {{ {meta} owl:versionInfo ?v ; dct:modified ?m .\n" + "\n".join(delete)
        + f"\n}} }}\nINSERT {{ GRAPH {meta} {{\n" + "\n".join(insert) + "\n}\n" + blocks + "}\n"
        # One OPTIONAL: Virtuoso gives no solution at all for two OPTIONALs that both match nothing.
        f"WHERE {{ OPTIONAL {{ GRAPH {meta} {{ {meta} owl:versionInfo ?v ; dct:modified ?m }} }} {where} }}"))
    if current_publication(store, base=base) != publication:  # a store that silently applied nothing
        raise StoreError(f"the store did not apply the publishing update of publication {publication}")


#: Called by :func:`publish` just before the meta update, with the publication's time and the graphs published
#: before it: replaces public graphs that describe the publication (the dataset metadata) and returns those it
#: changed.
Refresh = Callable[[Store, datetime, frozenset[str]], list[str]]


def publish(store: Store, *, base: str, graphs: Sequence[tuple[str, str]], provenance: Iterable[Quad] = (),
            activity: str | None = None, refresh: Refresh | None = None,
            loading: LoadMark | None = None) -> Publication:
    """Make ``graphs`` (pairs of ``GM0363`` code and graph IRI ``{base}/graph/{gm}/{source}/{load}``) visible,
    in ONE update of the meta graph.

    The same update retires every graph published before for the same municipality and source (and the graphs
    of that municipality published before sources were kept apart), inserts ``provenance`` (quads in the
    provenance graphs: ``loader/provenance.py``), records the new graphs with their source, moves the union graphs' membership and sets a new
    publication id. It is one DELETE/INSERT operation, so any SPARQL 1.1 store applies it all or not at all.
    Then the embedded store's unions are changed in place, retired graphs are dropped (embedded) and a new
    checkpoint becomes current (on disk): :func:`finish`. The published graphs are read once: the rest of the
    work is proportional to the change, not to the store. ``loading``: the mark of a load that copied ``graphs``
    into the unions as it wrote them (:func:`begin_load`).
    """
    parts = _graph_parts(base)
    new: list[tuple[str, str, str]] = []
    for code, graph in graphs:
        m = parts.match(graph)
        if m is None or m.group(1) != code.lower():
            raise ValueError(f"not an instance graph of {code} under {base}: {graph}")
        new.append((code.upper(), m.group(2), graph))
    pairs = {(code, source) for code, source, _ in new}
    codes = {code for code, _ in pairs}
    names = {g for _, _, g in new}
    retired = [r.graph for r in published_records(store, base=base, gemeenten=codes) if r.graph not in names
               and ((r.gemeente, r.source) in pairs or (r.source is None and r.gemeente in codes))]
    before = frozenset(published_iris(store, base=base))
    interrupted = _begin(store) if loading is None else loading.interrupted
    now = datetime.now(UTC)
    publication = new_publication_id(now)
    public = refresh(store, now, before) if refresh is not None else []
    when = Literal(now.isoformat(), datatype=NamedNode(XSD + "dateTime"))
    delete = [f"{NamedNode(g)} inb:published true ." for g in retired]
    insert = [f"{NamedNode(g)} inb:published false ; prov:invalidatedAtTime {when} ." for g in retired]
    for code, source, graph in new:
        g = NamedNode(graph)
        insert.append(f"{g} a inb:InstanceGraph ; inb:gemeente {NamedNode(gemeente_iri(code))} ; "
                      f"inb:bron {Literal(source)} ; inb:published true .")
        if activity:
            insert.append(f"{g} prov:wasGeneratedBy {NamedNode(activity)} .")
    if unions.keeps_unions(store):
        delete += unions.member_lines(base, retired)
        insert += unions.member_lines(base, [*names, *public])
    _stamp(store, base, publication=publication, now=now, delete=delete, insert=insert, quads=provenance)
    done = Publication(publication, [g for _, _, g in new], retired)
    finish(store, base=base, change=done, public=public, published=(before - set(retired)) | names,
           interrupted=interrupted, copied=names if loading is not None else frozenset())
    return done


@dataclass(frozen=True)
class LoadMark:
    """A load that copies its graphs into the unions as it writes them (``unions.copied_while_loading``)."""

    #: Whether the publication before the load died half-way (its unions are rebuilt at this one).
    interrupted: bool


def begin_load(store: Store) -> LoadMark | None:
    """Before a load writes: when it will copy its graphs into the unions as it writes them, mark the store's
    publication in progress now (a load that dies leaves the unions to be rebuilt by the next publication) and
    return the mark for :func:`publish` or :func:`abandon_load`; ``None`` when the store copies at publication."""
    if not unions.copied_while_loading(store):
        return None
    return LoadMark(_begin(store))


def abandon_load(store: Store, mark: LoadMark | None, *, base: str, graphs: Iterable[str], lift: bool = True) -> None:
    """A load that will not publish (refused, or failed): take its graphs' triples out of the unions, drop the
    graphs and lift the mark, unless ``lift`` is false or the publication before was interrupted: then the next
    publication rebuilds the unions."""
    graphs = sorted(graphs)
    lifted = None  # the publications whose mark goes once the graphs are out
    if mark is not None:  # made by begin_load: an on-disk embedded store
        assert isinstance(store, EmbeddedStore) and store.publications is not None
        lifted = store.publications if lift and not mark.interrupted else None
        unions.withdraw(store, base=base, graphs=graphs)
    for graph in graphs:
        store.drop_graph(graph)
    store.flush()
    if lifted is not None:
        lifted.end()


def publish_public(store: Store, *, base: str, changed: Sequence[str]) -> Publication:
    """A publication of public graphs already replaced (:func:`replace_public_graph`): a new id, then
    :func:`finish`."""
    interrupted = _begin(store)
    now = datetime.now(UTC)
    publication = new_publication_id(now)
    insert = unions.member_lines(base, changed) if unions.keeps_unions(store) else []
    _stamp(store, base, publication=publication, now=now, delete=[], insert=insert)
    done = Publication(publication, [], [])
    finish(store, base=base, change=done, public=changed, interrupted=interrupted)
    return done


def _begin(store: Store) -> bool:
    """Mark an embedded store's publication in progress (from before its meta update until its checkpoint: a
    writer that dies in between leaves the unions to be rebuilt); returns whether the last one was interrupted."""
    publications = store.publications if isinstance(store, EmbeddedStore) else None
    if publications is None:
        return False
    interrupted = publications.interrupted()
    publications.begin()
    return interrupted


def replace_public_graph(store: Store, *, base: str, graph: str, quads: Iterable[Quad],
                         published: AbstractSet[str] | None = None) -> bool:
    """Replace the content of the public ``graph`` with ``quads`` (their graph is ignored) unless it holds those
    triples already (the SHA-256 of their N-Triples, blank-node labels aside, is kept in the meta graph: a store
    may write literals back in another form); returns whether it changed. The embedded store's plain union loses
    the triples that went (unless another member holds them; ``published``: the published instance graphs, when
    the caller has them); :func:`finish` adds the new ones."""
    node, meta = NamedNode(graph), NamedNode(meta_graph(base))
    new = {Quad(q.subject, q.predicate, q.object, node) for q in quads}
    digest = hashlib.sha256("\n".join(_shape(new)).encode()).hexdigest()
    present = graph in {g.value for g in store.named_graphs()}
    result = store.query(f"SELECT ?h WHERE {{ GRAPH {meta} {{ {node} <{_CHECKSUM}> ?h }} }}")
    assert isinstance(result, QuerySolutions)
    if present and [row["h"].value for row in result] == [digest]:
        return False
    old = _graph_quads(store, graph) if isinstance(store, EmbeddedStore) else set()
    store.drop_graph(graph)
    store.extend(sorted(new, key=str))
    # Two requests (Virtuoso takes one operation a request); the checksum only tells later runs what is there.
    store.update(f"DELETE WHERE {{ GRAPH {meta} {{ {node} <{_CHECKSUM}> ?h }} }}")
    store.update(f"INSERT DATA {{ GRAPH {meta} {{ {node} <{_CHECKSUM}> {Literal(digest)} }} }}")
    if isinstance(store, EmbeddedStore):
        if published is None:
            published = published_iris(store, base=base)
        members = set(published) | set(public_graphs(store, base=base))
        unions.remove_triples(store, unions.union_graph(base), (q.triple for q in old - new), members=members)
    return True


#: The SHA-256 of a public graph's content as published (SPDX, as DCAT-AP uses it for checksums).
_CHECKSUM = "http://spdx.org/rdf/terms#checksumValue"


def _shape(quads: Iterable[Quad]) -> list[str]:
    """The triples as sorted N-Triples with every blank node written ``[]``: equal for the same graph with other
    blank-node labels (each load of a Turtle file mints new ones)."""
    def term(t: object) -> str:
        return "[]" if isinstance(t, BlankNode) else str(t)

    return sorted(f"{term(q.subject)} {q.predicate} {term(q.object)}" for q in quads)


def _graph_quads(store: Store, graph: str) -> set[Quad]:
    node = NamedNode(graph)
    if isinstance(store, EmbeddedStore):
        return set(store.ox.quads_for_pattern(None, None, None, node))
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
    assert isinstance(result, QuerySolutions)
    return {Quad(row["s"], row["p"], row["o"], node) for row in result}


def finish(store: Store, *, base: str, change: Publication, public: Sequence[str] = (),
           published: AbstractSet[str] | None = None, interrupted: bool | None = None,
           copied: AbstractSet[str] = frozenset()) -> None:
    """After the meta update: bring the embedded store's unions up to date in place (``public``: public graphs
    whose content was added or replaced; ``published``: the instance graphs published now, read from the store
    when not given), drop what no reader needs any more, make the checkpoint current. ``interrupted``: whether
    the publication before this one died half-way (read from the store when not given): then, or when the
    unions' registration does not match, the unions are rebuilt (O(store), once). ``copied``: new graphs whose
    triples are in their union already (written there by their load)."""
    if not isinstance(store, EmbeddedStore):  # readers may still use what was retired: RETIRED_GRACE
        for graph in sorted(_retired(store, base) - _retired_since(store, base, datetime.now(UTC) - RETIRED_GRACE)):
            store.drop_graph(graph)
        store.flush()
        return
    if interrupted is None:
        interrupted = _begin(store)
    if published is None:
        published = published_iris(store, base=base)
    members = set(published) | set(public_graphs(store, base=base))
    expected = {unions.union_graph(base, special=special): len(graphs)
                for special, graphs in unions.split_members(members).items() if graphs}
    if interrupted or unions.registered_counts(store, base=base) != expected:
        # after a crash, or a store of an earlier version
        unions.rebuild(store, base=base, members=sorted(members))
        unions.register(store, base=base, members=sorted(members))
    else:
        after = unions.split_members(members)
        for special, changes in _member_changes(base, change, public).items():
            unions.replace_members(store, unions.union_graph(base, special=special), changes, members=after[special],
                                   copied=copied)
    for graph in change.retired:
        store.drop_graph(graph)
    store.flush()
    publications = store.publications
    if publications is not None:
        publications.checkpoint(store.ox, change.id)
        publications.end()
        publications.collect()


def _member_changes(base: str, change: Publication, public: Sequence[str]
                    ) -> dict[bool, list[tuple[str | None, str | None]]]:
    """The (retired, new) pairs of a publication, by union: a new graph is paired with the retired graph of the
    same municipality, source and kind (a reload), so that only their difference is written."""
    parts = _graph_parts(base)

    def key(graph: str) -> tuple[str, ...] | None:
        m = parts.match(graph)
        if m is None:
            return None
        kind = SPECIAL_SUFFIX if is_special(graph) else DERIVED_SUFFIX if graph.endswith(DERIVED_SUFFIX) else ""
        return (m.group(1), m.group(2), kind)

    by_key: dict[tuple[str, ...], str] = {}
    for graph in change.retired:
        k = key(graph)
        if k is not None:
            by_key.setdefault(k, graph)
    unpaired = list(change.retired)
    changes: dict[bool, list[tuple[str | None, str | None]]] = {False: [], True: []}
    for graph in change.published:
        k = key(graph)
        old = by_key.pop(k, None) if k is not None else None
        if old is not None:
            unpaired.remove(old)
        changes[is_special(graph)].append((old, graph))
    for graph in unpaired:
        changes[is_special(graph)].append((graph, None))
    for graph in public:
        changes[False].append((None, graph))
    return changes


def stale_graphs(store: Store, *, base: str, grace: timedelta | None = None) -> list[str]:
    """Instance graphs that no reader uses: unpublished ones (left by a crash) and retired ones (on a remote
    store only once retired longer than ``grace``, default :data:`RETIRED_GRACE`; immediately elsewhere)."""
    pattern = instance_graph_pattern(base)
    live = published_iris(store, base=base)
    grace = grace if grace is not None else (timedelta(0) if isinstance(store, EmbeddedStore) else RETIRED_GRACE)
    recent = _retired_since(store, base, datetime.now(UTC) - grace) if grace else set()
    present = [g.value for g in store.named_graphs()]
    stale = [g for g in present if pattern.match(g) and g not in live]
    legacy = unions.union_graph_pattern(base)
    registered = set(unions.registered_counts(store, base=base))
    stale += [g for g in present if legacy.match(g) and g not in registered]
    return sorted(g for g in stale if g not in recent)


def _retired(store: Store, base: str) -> set[str]:
    """Retired graphs that are still in the store."""
    present = {g.value for g in store.named_graphs()}
    return _retired_since(store, base, datetime.min.replace(tzinfo=UTC)) & present


def _retired_since(store: Store, base: str, since: datetime) -> set[str]:
    query = _prefixes() + (
        f"SELECT ?g ?t WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ ?g inb:published false ; "
        "prov:invalidatedAtTime ?t } }")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    return {row["g"].value for row in result if datetime.fromisoformat(row["t"].value) > since}


def drop_stale_graphs(store: Store, *, base: str, grace: timedelta | None = None) -> list[str]:
    """Drop the graphs :func:`stale_graphs` finds (a load does this first); returns their IRIs.

    Only one writer may write a store at a time: an embedded store enforces it (``store/snapshots.py``); with a
    remote store it is the operator's part.
    """
    stale = stale_graphs(store, base=base, grace=grace)
    for graph in stale:
        store.drop_graph(graph)
    if stale:
        store.flush()
    return stale


__all__ = [
    "PUBLIC_GRAPHS",
    "GraphRecord",
    "LoadMark",
    "Publication",
    "abandon_load",
    "begin_load",
    "current_publication",
    "drop_stale_graphs",
    "finish",
    "gemeente_code",
    "instance_graph",
    "instance_graph_pattern",
    "is_special",
    "new_publication_id",
    "public_graphs",
    "publish",
    "publish_public",
    "published_graphs",
    "published_iris",
    "published_records",
    "replace_public_graph",
    "stale_graphs",
]
