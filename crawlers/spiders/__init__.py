"""One spider per platform."""

from crawlers.spiders.dynasty import DynastySpider

SPIDERS = {"dynasty": DynastySpider}
