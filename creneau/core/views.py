from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator


@method_decorator(login_not_required, name="dispatch")
class StaffLoginView(auth_views.LoginView):
    """The back office's login page (throttled by django-axes)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
