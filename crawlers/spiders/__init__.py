"""One spider per platform, and each platform's page reader (what a page is and what it links)."""

from crawlers.spiders import casem, dynasty, tweb
from crawlers.spiders.casem import CaseMSpider
from crawlers.spiders.dynasty import DynastySpider
from crawlers.spiders.tweb import TWebSpider

SPIDERS = {"dynasty": DynastySpider, "casem": CaseMSpider, "tweb": TWebSpider}
#: ``read_page(page, context=None) -> PageReading`` per platform: the spiders' own reading of a page.
READERS = {"dynasty": dynasty.read_page, "casem": casem.read_page, "tweb": tweb.read_page}
