"""One spider per platform."""

from crawlers.spiders.casem import CaseMSpider
from crawlers.spiders.dynasty import DynastySpider

SPIDERS = {"dynasty": DynastySpider, "casem": CaseMSpider}
