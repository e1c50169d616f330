from tests.api.fixtures import (  # noqa: F401 - fixtures
    api,
    bin_,
    product,
    receive,
    scoped_supervisor,
    warehouse,
)
