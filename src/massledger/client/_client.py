"""`Client` and `AsyncClient`: the same API, blocking or awaitable."""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar

import httpx

from massledger.client._auth import CachedToken, TokenRequest
from massledger.client._call import Call
from massledger.client._errors import AuthenticationError, ConnectionFailed, error_for
from massledger.client._retry import RetryPolicy
from massledger.client.methodologies import AsyncMethodologies, Methodologies
from massledger.client.registry import (
    AsyncInventoryActions,
    AsyncOrganizations,
    AsyncProjects,
    AsyncRetirements,
    AsyncTransactions,
    InventoryActions,
    Organizations,
    Projects,
    Retirements,
    Transactions,
)
from massledger.client.resources import AsyncDocuments, AsyncPublic, Documents, Public

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
USER_AGENT = "massledger-python"


class _Base:
    def __init__(
        self, client_id: str | None, client_secret: str | None, scope: str | None, retry: RetryPolicy | None
    ) -> None:
        # Without credentials only the public routes (client.public, signed URLs) can be called.
        self._token_request = (
            TokenRequest(client_id, client_secret, scope) if client_id and client_secret else None
        )
        self._token: CachedToken | None = None
        self.retry = retry or RetryPolicy()

    def _credentials(self) -> TokenRequest:
        if self._token_request is None:
            raise AuthenticationError("This client has no credentials: pass client_id and client_secret")
        return self._token_request

    def _headers(self, call: Call[Any], token: str | None) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, **call.headers}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers


class Client(_Base):
    """Blocking client: ``Client(base_url, client_id, client_secret)``; a context manager. Resources:
    ``documents`` (with ``documents.attachments``), ``public``, ``methodologies`` and the registry's
    ``organizations``, ``inventory``, ``transactions``, ``retirements`` and ``projects``."""

    def __init__(
        self,
        base_url: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        scope: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(client_id, client_secret, scope, retry)
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.documents = Documents(self)
        self.public = Public(self)
        self.methodologies = Methodologies(self)
        self.organizations = Organizations(self)
        self.inventory = InventoryActions(self)
        self.transactions = Transactions(self)
        self.retirements = Retirements(self)
        self.projects = Projects(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def access_token(self) -> str:
        if self._token is None or not self._token.fresh(time.monotonic()):
            credentials = self._credentials()
            response = self._send_with_retries(
                Call("POST", "/oauth2/token", parse=lambda r: r, idempotent=True, authenticated=False),
                lambda: self._http.post("/oauth2/token", data=credentials.form, auth=credentials.auth),
            )
            self._token = TokenRequest.parse(response)
        return self._token.value

    def execute(self, call: Call[T]) -> T:
        def send() -> httpx.Response:
            token = self.access_token() if call.authenticated else None
            return self._http.request(
                call.method,
                call.path,
                json=call.json,
                params=call.params,
                content=call.content,
                headers=self._headers(call, token),
            )

        response = self._send_with_retries(call, send)
        if response.status_code == 401 and call.authenticated:
            self._token = None  # revoked or expired early: one fresh token, one more try
            response = self._send_with_retries(call, send)
        if response.status_code >= 400:
            raise error_for(response)
        return call.parse(response)

    def _send_with_retries(self, call: Call[Any], send: Any) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response: httpx.Response = send()
            except httpx.TransportError as exc:
                delay = self.retry.delay_after_error(attempt, call.idempotent or call.method == "GET")
                if delay is None:
                    raise ConnectionFailed(f"{call.method} {call.path}: {exc}") from exc
            else:
                delay = self.retry.delay_after_response(
                    attempt, response, call.idempotent or call.method == "GET"
                )
                if delay is None:
                    return response
            time.sleep(delay)
            attempt += 1


class AsyncClient(_Base):
    """Awaitable client with the same resources as :class:`Client`."""

    def __init__(
        self,
        base_url: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        scope: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(client_id, client_secret, scope, retry)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._token_lock = asyncio.Lock()
        self.documents = AsyncDocuments(self)
        self.public = AsyncPublic(self)
        self.methodologies = AsyncMethodologies(self)
        self.organizations = AsyncOrganizations(self)
        self.inventory = AsyncInventoryActions(self)
        self.transactions = AsyncTransactions(self)
        self.retirements = AsyncRetirements(self)
        self.projects = AsyncProjects(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def access_token(self) -> str:
        async with self._token_lock:
            if self._token is None or not self._token.fresh(time.monotonic()):
                credentials = self._credentials()
                response = await self._send_with_retries(
                    Call("POST", "/oauth2/token", parse=lambda r: r, idempotent=True, authenticated=False),
                    lambda: self._http.post("/oauth2/token", data=credentials.form, auth=credentials.auth),
                )
                self._token = TokenRequest.parse(response)
            return self._token.value

    async def execute(self, call: Call[T]) -> T:
        async def send() -> httpx.Response:
            token = await self.access_token() if call.authenticated else None
            return await self._http.request(
                call.method,
                call.path,
                json=call.json,
                params=call.params,
                content=call.content,
                headers=self._headers(call, token),
            )

        response = await self._send_with_retries(call, send)
        if response.status_code == 401 and call.authenticated:
            self._token = None
            response = await self._send_with_retries(call, send)
        if response.status_code >= 400:
            raise error_for(response)
        return call.parse(response)

    async def _send_with_retries(self, call: Call[Any], send: Any) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response: httpx.Response = await send()
            except httpx.TransportError as exc:
                delay = self.retry.delay_after_error(attempt, call.idempotent or call.method == "GET")
                if delay is None:
                    raise ConnectionFailed(f"{call.method} {call.path}: {exc}") from exc
            else:
                delay = self.retry.delay_after_response(
                    attempt, response, call.idempotent or call.method == "GET"
                )
                if delay is None:
                    return response
            await asyncio.sleep(delay)
            attempt += 1
