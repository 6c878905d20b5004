from rest_framework.routers import SimpleRouter

from waitlist.api import views

router = SimpleRouter()
router.register("waitlist", views.WaitlistEntryViewSet, basename="waitlist-entry")
router.register("waitlist-offers", views.WaitlistOfferViewSet, basename="waitlist-offer")

urlpatterns = router.urls
