"""The fetcher refuses what a hostile or mistaken URL could make it do, and reports each
failure in words a moderator can act on."""

from __future__ import annotations

import pytest

import bot.feeds.fetch as fetch_module
from bot.feeds.fetch import Fetcher, FetchError, UnsafeURLError, check_scheme, is_forbidden_address
from tests.bot.feeds.site import Site


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x", "example.org/feed"])
def test_only_http_and_https_urls_are_followed(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="http"):
        check_scheme(url)


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.1.10", True),
        ("172.16.0.5", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd00:ec2::254", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.1", True),
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(address) is forbidden


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "localhost", "169.254.169.254"])
async def test_a_local_url_is_refused_unless_private_urls_are_allowed(site: Site, host: str) -> None:
    site.page("/page", "<p>secret</p>")
    url = f"http://{host}:{site.port}/page"
    async with Fetcher(allow_private=False, timeout_s=5) as fetcher:
        with pytest.raises(UnsafeURLError, match="private or local|local address"):
            await fetcher.get(url)
    assert site.hits["/page"] == 0


class FakeDNS:
    """A resolver answering from a table: what a name resolves to, without the network."""

    table = {"intranet.example": ["10.0.0.5"], "mixed.example": ["10.0.0.6", "127.0.0.1"]}

    async def resolve(self, host: str, port: int = 0, family: object = None) -> list[dict[str, object]]:
        return [
            {"hostname": host, "host": address, "port": port, "family": 2, "proto": 0, "flags": 0}
            for address in self.table.get(host, [])
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize("name", ["intranet.example", "mixed.example"])
async def test_a_name_resolving_to_private_addresses_is_refused_after_resolution(
    site: Site, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "DefaultResolver", FakeDNS)
    site.page("/page", "<p>secret</p>")
    async with Fetcher(allow_private=False, timeout_s=5) as fetcher:
        with pytest.raises(UnsafeURLError, match="resolves to a private"):
            await fetcher.get(f"http://{name}:{site.port}/page")
    assert site.hits["/page"] == 0


async def test_a_redirect_is_checked_like_the_first_url(site: Site) -> None:
    site.page("/away", "", location="file:///etc/passwd")
    async with Fetcher(allow_private=True, timeout_s=5) as fetcher:
        with pytest.raises(UnsafeURLError, match="http"):
            await fetcher.get(site.url("/away"))


async def test_redirects_are_followed_a_few_times_and_a_loop_is_refused(site: Site) -> None:
    site.page("/a", "", location="/b")
    site.page("/b", "", location="/final")
    site.page("/final", "<p>arrived</p>")
    site.page("/loop", "", location="/loop")
    async with Fetcher(allow_private=True, timeout_s=5) as fetcher:
        response = await fetcher.get(site.url("/a"))
        assert response.body == b"<p>arrived</p>" and response.url.endswith("/final")
        with pytest.raises(FetchError, match="redirect"):
            await fetcher.get(site.url("/loop"))
    assert site.hits["/loop"] == 6  # the first request and five redirects


async def test_a_slow_endpoint_is_abandoned_at_the_timeout(site: Site) -> None:
    site.page("/slow", "", slow=True)
    async with Fetcher(allow_private=True, timeout_s=0.5) as fetcher:
        with pytest.raises(FetchError, match="no answer"):
            await fetcher.get(site.url("/slow"))


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_page_over_the_size_cap_is_refused(site: Site, chunked: bool) -> None:
    site.page("/huge", b"<p>" + b"x" * 300_000 + b"</p>", chunked=chunked)
    async with Fetcher(allow_private=True, timeout_s=5, max_bytes=100_000) as fetcher:
        with pytest.raises(FetchError, match="100,000"):
            await fetcher.get(site.url("/huge"))


async def test_an_error_status_is_reported_with_its_code(site: Site) -> None:
    site.page("/broken", "oops", status=500)
    async with Fetcher(allow_private=True, timeout_s=5) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            await fetcher.get(site.url("/missing"))
        with pytest.raises(FetchError, match="HTTP 500"):
            await fetcher.get(site.url("/broken"))


async def test_conditional_requests_get_not_modified(site: Site) -> None:
    site.feed("/feed.xml", "<rss/>", etag='"v1"')
    async with Fetcher(allow_private=True, timeout_s=5) as fetcher:
        first = await fetcher.get(site.url("/feed.xml"))
        assert first.etag == '"v1"' and first.body == b"<rss/>"
        second = await fetcher.get(site.url("/feed.xml"), etag=first.etag)
    assert second.not_modified and second.body is None
    assert site.not_modified["/feed.xml"] == 1


async def test_a_redirect_to_a_private_address_is_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The public name reaches the test site; its redirect to an intranet name is refused
    by the same resolver check, before any connection to it."""
    monkeypatch.setattr(FakeDNS, "table", {**FakeDNS.table, "public.example": ["127.0.0.1"]})
    monkeypatch.setattr(fetch_module, "DefaultResolver", FakeDNS)
    monkeypatch.setattr(fetch_module, "is_forbidden_address", lambda address: address.startswith("10."))
    site.page("/feed.xml", "", location=f"http://intranet.example:{site.port}/secret")
    site.page("/secret", "<p>secret</p>")
    async with Fetcher(allow_private=False, timeout_s=5) as fetcher:
        with pytest.raises(UnsafeURLError, match="intranet.example resolves to a private"):
            await fetcher.get(f"http://public.example:{site.port}/feed.xml")
    assert site.hits["/feed.xml"] == 1 and site.hits["/secret"] == 0


def test_a_url_is_kept_as_a_server_sees_it_credentials_and_path_untouched() -> None:
    assert check_scheme(" HTTPS://User:PaSS@Example.ORG:8080/Rss.xml?A=1#latest ") == (
        "https://User:PaSS@example.org:8080/Rss.xml?A=1"
    )
