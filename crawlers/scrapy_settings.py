"""The settings module of Scrapy's own commands (named in ``scrapy.cfg``), so that from the repository
root ``scrapy crawl dynasty -a source=hollola``, ``scrapy shell URL`` and ``scrapy parse`` run with the
politeness every ``minutes crawl`` promises: robots.txt, the user agent, throttling, the archive.

Scrapy reads a settings module by importing it, so this is the one module that resolves settings at
import; nothing in the pipeline imports it.
"""

from crawlers.settings import base_settings

globals().update(base_settings())
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"
