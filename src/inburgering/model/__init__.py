"""The model: the OWL ontology and SKOS concept schemes in ``ontology/``, their generator, checks and docs."""
