"""One spider per platform."""

from crawlers.spiders.casem import CaseMSpider
from crawlers.spiders.dynasty import DynastySpider
from crawlers.spiders.tweb import TWebSpider

SPIDERS = {"dynasty": DynastySpider, "casem": CaseMSpider, "tweb": TWebSpider}
