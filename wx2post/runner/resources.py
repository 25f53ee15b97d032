"""The connections a run shares: one HTTP client, the image store, the page fetcher.

Each is made on first use, so a run that fetches nothing and saves no image never
imports the HTTP stack (requests); all of them go through the one client, so pages
and images share its connections, its environment (proxies, CA) and its knowledge of
which hosts are down.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from ..images import ImageSettings
from ..presets import image_location
from .results import FetchSettings

if TYPE_CHECKING:
    from ..fetch import PageFetcher
    from ..http import HttpClient
    from ..store import ImageStore


class RunResources:
    """The run's HTTP client, image store and page fetcher; `close` releases them."""

    def __init__(
        self,
        site: Path,
        preset: str,
        images: ImageSettings,
        fetch: FetchSettings,
        *,
        image_dir: str | None = None,
        image_prefix: str | None = None,
    ) -> None:
        self.site, self.preset = site, preset
        self.image_settings = images
        self.image_dir, self.image_prefix = image_dir, image_prefix  # the user's; None: the preset's
        self.fetch_settings = fetch
        self._store: ImageStore | None = None
        self._http: HttpClient | None = None
        self._fetcher: PageFetcher | None = None

    @property
    def http(self) -> HttpClient:
        """The run's one HTTP client (pages and images)."""
        if self._http is None:
            from ..http import HttpClient

            self._http = HttpClient(pool_size=self.image_settings.jobs)
        return self._http

    def store_for(self, relpath: str) -> ImageStore:
        """The image store for the post at `relpath`: one for the whole run while posts
        share an image folder (hux, jekyll, any --image-dir), a new one for each post
        that keeps its images beside it (a hugo bundle, a hexo asset folder). Every
        store uses the run's one HTTP client, so connections stay pooled across posts."""
        folder, prefix = image_location(self.preset, relpath, self.image_dir, self.image_prefix)
        store = self._store
        if store is None or (store.settings.folder, store.settings.prefix) != (folder, prefix):
            if store is not None:
                store.close()
            settings = dataclasses.replace(self.image_settings, folder=folder, prefix=prefix)
            from ..store import ImageStore

            self._store = store = ImageStore(self.site, settings, connect=lambda: self.http)
        return store

    @property
    def fetcher(self) -> PageFetcher:
        if self._fetcher is None:
            from ..fetch import PageFetcher

            f = self.fetch_settings
            self._fetcher = PageFetcher(
                base_url=f.base_url,
                delay=f.delay,
                jitter=f.delay / 3,
                save_html=f.save_html,
                client=self.http,
            )
        return self._fetcher

    def fetched(self, link: str) -> bool:
        """Whether this run has fetched `link` already (without starting a fetcher to ask)."""
        return self._fetcher is not None and self._fetcher.seen(link)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
        if self._http is not None:
            self._http.close()
            self._http = None
