from tests.backoffice.mappings_benchmark import run  # noqa: F401
