"""Write the fixture folders of the generated per-class shapes (``tests/shapes/{Class}Shape/``).

Run ``.venv/bin/python tests/validation/class_fixtures.py`` after regenerating ``shapes/classes.ttl`` and commit
the folders. The law rules' fixtures are hand-written; these are written by this tool because there are 53
classes and 263 property shapes, but they are plain data like the others and are checked the same way:
``conforming.ttl`` holds one instance of the class with a valid value for every property; ``violating.ttl``
holds one instance that breaks every property shape once (required properties left out, others given a value
of the wrong datatype, a concept of another scheme, an untyped node, a too long text, a number out of range,
a text that misses the pattern); ``expected.ttl`` lists what must fire. (The node shapes' own constraint,
"instances are IRIs", is tested by turning each conforming instance into a blank node, in test_fixtures.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from inburgering.validation.shapes import load_ontology

BASE = "https://data.example.org/id/"
SHAPES = "https://w3id.org/inburgering/shapes/"
GEMEENTE = URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0363")
#: Values that keep the law rules quiet: dates in a consistent order, a term of exactly three years.
SAMPLES = {"startdatum": "2024-01-01", "begindatum": "2024-01-01", "einddatum": "2027-01-01",
           "verwachteStartdatumOpleiding": "2024-03-01", "verwachteEinddatumOpleiding": "2025-03-01",
           "behaaldeScore": "12,50", "benodigdeScore": "10,00", "pseudoniem": "0123456789abcdef0123456789abcdef",
           "vnummerPseudoniem": "fedcba9876543210fedcba9876543210", "leeftijdBijBegin": "18",
           "resultaat": "Geslaagd", "postcode": "1234AB", "bowRegistratienummer": "12345", "brinCode": "00AA",
           "statusLeerroute": "Lopend"}  # in progress with 1 day left and 1 component required (rules-afgeleid.ttl)
#: The focus has every property: the term has an extension, so its end lies beyond three years; the exam
#: result has a no-result reason, so the result is "Geen".
FOCUS_SAMPLES = {("Inburgeringstermijn", "einddatum"): "2027-06-01", ("Examenresultaat", "resultaat"): "Geen",
                 ("GezinsmigrantEnOverigeMigrant", "doelgroep"): "Gezinsmigrant-en-overige-migrant"}
#: Properties left out of a class's fixtures because the law forbids them there (an offer for a family migrant).
SKIP = {("GezinsmigrantEnOverigeMigrant", "heeftInburgeringsaanbod")}
DATATYPE_SAMPLES = {XSD.date: "2024-01-01", XSD.boolean: "true", XSD.integer: "1", XSD.decimal: "1.5",
                    XSD.string: "tekst", XSD.dateTime: "2024-01-01T00:00:00", XSD.gYear: "2024"}


def local(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


class Writer:
    """Builds the fixture graphs from the shapes graph and the ontology's class hierarchy."""

    def __init__(self, shapes: Graph, ontology: Graph) -> None:
        self.shapes = shapes
        self.ontology = ontology

    def node_shapes(self) -> list[URIRef]:
        return sorted(s for s in self.shapes.subjects(SH.targetClass, None)
                      if isinstance(s, URIRef) and str(s).endswith("Shape"))

    def property_shapes(self, node_shape: URIRef) -> list[URIRef]:
        return sorted(p for p in self.shapes.objects(node_shape, SH.property) if isinstance(p, URIRef))

    def superclasses(self, cls: URIRef) -> list[URIRef]:
        return [c for c in self.ontology.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)]

    def applicable_node_shapes(self, cls: URIRef) -> list[URIRef]:
        """The node shapes that target ``cls`` or one of its superclasses."""
        return sorted({n for sup in self.superclasses(cls) for n in self.shapes.subjects(SH.targetClass, sup)
                       if isinstance(n, URIRef)})

    def required_shapes(self, cls: URIRef) -> list[URIRef]:
        """The property shapes with ``sh:minCount`` that apply to instances of ``cls`` (and its superclasses)."""
        found = []
        for sup in self.superclasses(cls):
            for node_shape in self.shapes.subjects(SH.targetClass, sup):
                found += [p for p in self.shapes.objects(node_shape, SH.property)
                          if (p, SH.minCount, None) in self.shapes]
        return sorted(set(found))

    def good_value(self, g: Graph, shape: URIRef, cls: URIRef, *, focus: bool) -> URIRef | Literal:
        path = self.shapes.value(shape, SH.path)
        name = local(path)
        text = (FOCUS_SAMPLES.get((local(cls), name)) if focus else None) or SAMPLES.get(name)
        members = self.shapes.value(shape, SH["in"])
        if members is not None:
            concepts = list(Collection(self.shapes, members))
            return next((c for c in concepts if local(c) == text), concepts[0])
        klass = self.shapes.value(shape, SH["class"])
        if klass is not None:
            return self.sample_object(g, klass)
        if (shape, SH.nodeKind, SH.IRI) in self.shapes:
            return GEMEENTE if name == "gemeente" else URIRef("https://example.org/extern/1")
        datatype = self.shapes.value(shape, SH.datatype) or XSD.string
        minimum = self.shapes.value(shape, SH.minInclusive)
        return Literal(text or (str(minimum) if minimum is not None else DATATYPE_SAMPLES[datatype]),
                       datatype=None if datatype == XSD.string else datatype)

    def sample_object(self, g: Graph, klass: URIRef) -> URIRef:
        """A typed node of ``klass`` with its required properties, as the object of a relation."""
        node = URIRef(f"{BASE}{local(klass).lower()}/object-1")
        if (node, RDF.type, klass) not in g:
            g.add((node, RDF.type, klass))
            for shape in self.required_shapes(klass):
                g.add((node, self.shapes.value(shape, SH.path), self.good_value(g, shape, klass, focus=False)))
        return node

    def bad_value(self, shape: URIRef) -> URIRef | Literal | None:
        """A value that breaks ``shape``; ``None`` for a required property (it is left out instead)."""
        if (shape, SH.minCount, None) in self.shapes:
            return None
        if self.shapes.value(shape, SH["in"]) is not None:
            return URIRef("https://w3id.org/inburgering/id/concept/anderkader/X")
        if self.shapes.value(shape, SH["class"]) is not None or (shape, SH.nodeKind, SH.IRI) in self.shapes:
            return Literal("geen IRI") if self.shapes.value(shape, SH.pattern) is None else URIRef(
                "https://identifier.overheid.nl/tooi/id/gemeente/0363")
        for facet, bad in ((SH.pattern, lambda v: Literal("7.5")),
                           (SH.maxLength, lambda v: Literal("x" * (int(v) + 1))),
                           (SH.maxInclusive, lambda v: Literal(int(v) + 1))):
            value = self.shapes.value(shape, facet)
            if value is not None:
                return bad(value)
        datatype = self.shapes.value(shape, SH.datatype)
        return Literal(5) if datatype == XSD.string else Literal("geen waarde van dit type")

    def write(self, node_shape: URIRef, folder: Path) -> None:
        cls = self.shapes.value(node_shape, SH.targetClass)
        name = local(cls).lower()
        good, bad = Graph(), Graph()
        focus, bad_focus = URIRef(f"{BASE}{name}/f1"), URIRef(f"{BASE}{name}/f2")
        own = self.property_shapes(node_shape)
        expected = [(bad_focus, shape) for shape in own]
        for node, graph in ((focus, good), (bad_focus, bad)):
            graph.add((node, RDF.type, cls))
        outputs = [(good, "conforming.ttl"), (bad, "violating.ttl")] if own else [(good, "conforming.ttl")]
        for applicable in self.applicable_node_shapes(cls):
            for shape in self.property_shapes(applicable):
                path = self.shapes.value(shape, SH.path)
                if (local(cls), local(path)) in SKIP:
                    continue
                good.add((focus, path, self.good_value(good, shape, cls, focus=True)))
                wrong = self.bad_value(shape) if shape in own else self.good_value(bad, shape, cls, focus=True)
                if wrong is not None:
                    bad.add((bad_focus, path, wrong))
        folder.mkdir(parents=True, exist_ok=True)
        for graph, file in outputs:  # a class without properties has nothing to break but its node kind
            graph.bind("inb", "https://w3id.org/inburgering/def/")
            (folder / file).write_text(graph.serialize(format="turtle"), encoding="utf-8")
        if expected:
            (folder / "expected.ttl").write_text(expected_turtle(expected), encoding="utf-8")


def expected_turtle(expected: list[tuple[object, URIRef]]) -> str:
    lines = ["@prefix sh: <http://www.w3.org/ns/shacl#> .", ""]
    for focus, shape in expected:
        lines.append(f"[] a sh:ValidationResult ; sh:focusNode <{focus}> ;\n    sh:sourceShape <{shape}> ; "
                     f"sh:resultSeverity sh:Violation .")
    return "\n".join(lines) + "\n"


def main() -> int:
    shapes = Graph().parse(ROOT / "shapes" / "classes.ttl", format="turtle")
    writer = Writer(shapes, load_ontology(ROOT / "ontology"))
    for node_shape in writer.node_shapes():
        writer.write(node_shape, ROOT / "tests" / "shapes" / local(node_shape))
    print(f"wrote {len(writer.node_shapes())} class fixture folders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
