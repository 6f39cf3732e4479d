"""The FastAPI application factory: one process serves the traceability and registry APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from massledger import __version__, openapi
from massledger.attachments import routes as attachment_routes
from massledger.attachments.signing import UrlSigner
from massledger.attachments.storage import FileStorage
from massledger.auth import routes as auth_routes
from massledger.auth.deps import ClientStatusCache
from massledger.auth.keys import load_pepper, load_signing_key, load_url_signing_key
from massledger.auth.tokens import TokenService
from massledger.db.engine import Database
from massledger.health import router as health_router
from massledger.http import BodySizeLimit, include_flat, install_error_handlers
from massledger.methodology import routes as methodology_routes
from massledger.ratelimit import RateLimiter
from massledger.registry import routes as registry_routes
from massledger.registry.hot import HotActions
from massledger.settings import Settings
from massledger.traceability import routes as traceability_routes
from massledger.traceability.hot import HotRoutes


def create_app(settings: Settings | None = None, *, hot_routes: bool = True) -> FastAPI:
    """The application. ``hot_routes=False`` serves every route through FastAPI alone (tests compare)."""
    settings = settings or Settings()
    database = Database(
        settings.resolved_database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        sqlite_cache_mib=settings.sqlite_cache_mib,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    app = FastAPI(
        title="massledger",
        version=__version__,
        summary="Waste-mass traceability (MassID) and a carbon-credit registry",
        lifespan=lifespan,
    )
    signing_key = load_signing_key(settings.data_dir)
    app.state.settings = settings
    app.state.database = database
    app.state.signing_key = signing_key
    app.state.pepper = load_pepper(settings.data_dir, settings.secret_pepper)
    app.state.tokens = TokenService(
        signing_key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.token_ttl_seconds,
    )
    app.state.client_status = ClientStatusCache(database)
    app.state.rate_limiter = RateLimiter(enabled=settings.rate_limit_enabled)
    app.state.url_signer = UrlSigner(
        load_url_signing_key(settings.data_dir), settings.attachment_url_ttl_seconds
    )
    app.state.attachment_storage = FileStorage(settings.data_dir / "attachments")

    install_error_handlers(app)
    if hot_routes:
        # Added first, so it runs inside BodySizeLimit (middleware added later wraps earlier ones).
        app.add_middleware(HotRoutes, fastapi=app)
        app.add_middleware(HotActions, fastapi=app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # Attachment uploads are files, not JSON: they have their own (larger) limit.
        overrides={attachment_routes.UPLOADS: settings.max_attachment_bytes},
    )
    # Flat, not app.include_router: see http.include_flat (routing cost per request).
    include_flat(app, health_router)
    include_flat(app, auth_routes.router)
    include_flat(app, traceability_routes.router)
    include_flat(app, traceability_routes.router, prefix="/v1", include_in_schema=False)
    include_flat(app, traceability_routes.public_router)
    include_flat(app, traceability_routes.public_router, prefix="/v1", include_in_schema=False)
    include_flat(app, attachment_routes.router)
    include_flat(app, attachment_routes.router, prefix="/v1", include_in_schema=False)
    include_flat(app, attachment_routes.signed_router)
    include_flat(app, registry_routes.router)
    include_flat(app, registry_routes.admin_router)
    include_flat(app, methodology_routes.router)
    include_flat(app, methodology_routes.router, prefix="/v1", include_in_schema=False)
    include_flat(app, methodology_routes.public_router)
    include_flat(app, methodology_routes.public_router, prefix="/v1", include_in_schema=False)
    openapi.install(app)
    return app
