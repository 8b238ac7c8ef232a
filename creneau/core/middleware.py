from django.contrib.auth.middleware import LoginRequiredMiddleware


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a staff login, except the API (bearer tokens, answers 401 itself)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
