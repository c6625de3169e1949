"""locust-plugins' PlaywrightUser with Debian's chromium: the plugin
launches the browser Playwright downloads itself, which cannot be had
here, so `_pwprep` launches /usr/bin/chromium by its path instead
(Playwright's own Python package drives it). Each Shopper opens the demo
target's front page (`-H`) and checks its text, one `event` request and
one `TASK` request per visit."""

from playwright.async_api import async_playwright

from locust import constant, task
from locust_plugins.users.playwright import PlaywrightUser, event, pw


class Shopper(PlaywrightUser):
    wait_time = constant(0.1)

    async def _pwprep(self):
        if self.playwright is None:
            self.playwright = await async_playwright().start()
        if self.browser is None:
            self.browser = await self.playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
            )

    @task
    @pw
    async def front_page(self, page):
        async with event(self, "front page"):
            await page.goto("/")
            text = await page.text_content("body")
            assert "demo shop" in text, text
