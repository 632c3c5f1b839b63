"""The JSON API assembled: core's NinjaAPI (auth, error shape, paging) with every app's router.

Assembled here, above the apps, so that core imports no app and no app's api module imports another's.
"""

from gongzhi.appeals.api import router as appeals_router
from gongzhi.core.api import api
from gongzhi.notices.api import router as notices_router
from gongzhi.people.api import router as people_router
from gongzhi.places.api import router as places_router
from gongzhi.supplies.api import router as supplies_router
from gongzhi.testing.api import router as testing_router
from gongzhi.volunteers.api import router as volunteers_router

api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", testing_router)
api.add_router("/", volunteers_router)
api.add_router("/", supplies_router)
api.add_router("/", appeals_router)
api.add_router("/", notices_router)
