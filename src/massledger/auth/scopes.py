"""Scope vocabulary (design §3 Auth)."""

DOCUMENTS_READ = "documents:read"
DOCUMENTS_WRITE = "documents:write"
METHODOLOGY_RUN = "methodology:run"
ORGANIZATION_INFO_READ = "organization_info:read"
ORGANIZATION_INVENTORY_READ = "organization_inventory:read"
ORGANIZATION_INVENTORY_READ_WRITE = "organization_inventory:read_write"
REGISTRY_ADMIN = "registry:admin"
# Operators only: restore exported documents verbatim (POST /admin/documents/restore). Whoever holds it can
# write records authored by any organization of its data set, so it is never granted by default.
DOCUMENTS_ADMIN = "documents:admin"

ALL_SCOPES = (
    DOCUMENTS_READ,
    DOCUMENTS_WRITE,
    METHODOLOGY_RUN,
    ORGANIZATION_INFO_READ,
    ORGANIZATION_INVENTORY_READ,
    ORGANIZATION_INVENTORY_READ_WRITE,
    REGISTRY_ADMIN,
    DOCUMENTS_ADMIN,
)

# What `clients create` grants when no --scope is given: an integrator's everyday scopes, no admin powers.
DEFAULT_CLIENT_SCOPES = (
    DOCUMENTS_READ,
    DOCUMENTS_WRITE,
    ORGANIZATION_INFO_READ,
    ORGANIZATION_INVENTORY_READ,
    ORGANIZATION_INVENTORY_READ_WRITE,
)

# Carrot's documented scope name, accepted as an alias.
ALIASES = {"api.carrot.eco/main-scope": (DOCUMENTS_READ, DOCUMENTS_WRITE)}


def expand(requested: str) -> list[str]:
    """Expand a space-separated scope request; aliases become their scopes. Order kept, duplicates dropped."""
    result: list[str] = []
    for item in requested.split():
        for scope in ALIASES.get(item, (item,)):
            if scope not in result:
                result.append(scope)
    return result
