app_name = "observables"

urlpatterns: list = []
