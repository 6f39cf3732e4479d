"""(6) Growth: single-append and GET latency with 10 thousand vs 5 million events already stored.

Each size gets its own database: background documents of 100 events bulk-loaded with the bare driver
(bench/bulk.py), then the same probe documents as scenarios 1 and 3, a fresh server, and the same wrk
plans. The large database is cached between runs (bench/out/cache; a template database on PostgreSQL),
keyed by size and loader version; each run works on a copy, upgraded to the schema head (as an operator's
database is when a release adds a migration), so a new migration does not force a 7-minute reload. The
peer is not measured here (it would need its own 5 M events); the bare driver is, at both sizes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from alembic.util.exc import CommandError

from bench import bulk, rows, server
from bench.load import Plan
from bench.scenarios.base import RunContext, Scenario, event_json, ratio
from bench.world import (
    World,
    add_client,
    copy_sqlite,
    create_documents,
    create_postgres_database,
    create_world,
    fresh_database,
    postgres_database_exists,
    sqlite_path,
)
from massledger.db import migrate
from massledger.db.engine import Database

CACHE_DIR = Path(__file__).resolve().parent.parent / "out" / "cache"


class Growth(Scenario):
    key = "growth"
    title = "growth: small vs large store"
    unit = "p99 ratio"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        sizes = {"small": ctx.profile.growth_small, "large": ctx.profile.growth_large}
        measured: dict[str, Any] = {}
        for label, size in sizes.items():
            world, load_info = self._database(ctx, label, size)
            measured[label] = {"events_stored": size, "load": load_info, **self._measure(ctx, label, world)}
        small, large = measured["small"], measured["large"]
        return {
            "status": "ok",
            "unit": self.unit,
            "sizes": sizes,
            "append_p99_ratio": ratio(
                large["append"]["measured"]["p99_ms"], small["append"]["measured"]["p99_ms"]
            ),
            "get_p99_ratio": ratio(large["get"]["measured"]["p99_ms"], small["get"]["measured"]["p99_ms"]),
            "append_throughput_ratio": ratio(
                large["append"]["measured"]["throughput"], small["append"]["measured"]["throughput"]
            ),
            "get_throughput_ratio": ratio(
                large["get"]["measured"]["throughput"], small["get"]["measured"]["throughput"]
            ),
            "raw_append_p99_ratio": ratio(large["raw_append"]["p99_ms"], small["raw_append"]["p99_ms"]),
            "raw_get_p99_ratio": ratio(large["raw_get"]["p99_ms"], small["raw_get"]["p99_ms"]),
            "runs": measured,
        }

    def _measure(self, ctx: RunContext, label: str, world: World) -> dict[str, Any]:
        append_ids = create_documents(world, ctx.profile.append_documents, tag=f"growth-{label}-append")
        get_ids = create_documents(
            world, ctx.profile.get_documents, ctx.profile.get_events, f"growth-{label}-get"
        )
        with server.start(world.database_url, world.data_dir) as live:
            token = server.fetch_token(live.url, world.client_id, world.client_secret)
            template = rows.load_template(world.database_url, get_ids[0])
            sub = RunContext(
                ctx.backend,
                ctx.profile,
                ctx.workdir / f"growth-{label}",
                world,
                live,
                token,
                template,
                db_prefix=ctx.db_prefix,
            )
            append = sub.drive(
                f"append-{label}",
                Plan("POST", "/documents/{id}/events", append_ids, token, event_json(world)),
            )
            get = sub.drive(f"get-{label}", Plan("GET", "/documents/{id}", get_ids, token))
        # `massledger verify` over the whole store, background rows included, where it is affordable.
        size = ctx.profile.growth_small if label == "small" else ctx.profile.growth_large
        checked = (
            server.verify(world.database_url, world.data_dir) if size <= ctx.profile.verify_limit else None
        )
        return {
            "verify": checked,
            "append": append,
            "get": get,
            "raw_append": sub.reference("raw", "append", append_ids).as_json(),
            "raw_get": sub.reference("raw", "get", get_ids).as_json(),
        }

    def _database(self, ctx: RunContext, label: str, size: int) -> tuple[World, dict[str, Any]]:
        name = f"{ctx.db_prefix}_growth_{label}"
        workdir = ctx.workdir / f"growth-{label}"
        workdir.mkdir(parents=True, exist_ok=True)
        cacheable = label == "large" and ctx.profile.name != "smoke"
        key = hashlib.sha1(
            f"{ctx.backend}-{size}-{ctx.profile.growth_events_per_document}-{bulk.LOADER_VERSION}".encode()
        ).hexdigest()[:12]
        cached = CACHE_DIR / f"growth-{ctx.backend}-{size}-{key}.json"
        if cacheable and cached.exists() and self._cache_present(ctx.backend, key, cached):
            try:
                return self._from_cache(ctx.backend, key, cached, name, workdir), {"cached": str(cached)}
            except CommandError:  # cached at a revision this checkout does not know: rebuild it
                pass
        url = fresh_database(ctx.backend, workdir, name)
        world = create_world(url, workdir / "data")
        template = create_documents(world, 1, events_each=1, tag="growth-template")[0]
        info = bulk.load(world, template, size, ctx.profile.growth_events_per_document)
        if cacheable:
            self._save_cache(ctx.backend, key, cached, world)
        return world, info

    @staticmethod
    def _cache_db(key: str) -> str:
        return f"massledger_bench_cache_{key}"

    def _cache_present(self, backend: str, key: str, cached: Path) -> bool:
        if backend == "postgresql":
            return postgres_database_exists(self._cache_db(key))
        return cached.with_suffix(".sqlite3").exists()

    def _save_cache(self, backend: str, key: str, cached: Path, world: World) -> None:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        data_dir = cached.with_suffix(".data")
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(world.data_dir, data_dir)
        if backend == "sqlite":
            copy_sqlite(sqlite_path(world.database_url), cached.with_suffix(".sqlite3"))
        else:
            create_postgres_database(self._cache_db(key), template=world.database_url.rsplit("/", 1)[1])
        cached.write_text(json.dumps(world.as_json()))

    def _from_cache(self, backend: str, key: str, cached: Path, name: str, workdir: Path) -> World:
        world = World.from_json(json.loads(cached.read_text()))
        data_dir = workdir / "data"
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(cached.with_suffix(".data"), data_dir)
        if backend == "sqlite":
            target = workdir / f"{name}.sqlite3"
            copy_sqlite(cached.with_suffix(".sqlite3"), target)
            url = f"sqlite:///{target}"
        else:
            url = create_postgres_database(name, template=self._cache_db(key))
        world.database_url, world.data_dir = url, data_dir
        database = Database(url)
        try:  # the cache may predate a migration added since; rows are upgraded as in production
            migrate.upgrade(database)
        finally:
            database.dispose_sync()
        return add_client(world)
