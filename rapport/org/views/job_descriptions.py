"""Job description pages: declarations on the core generic views, nothing more."""

from rapport.core import views as base
from rapport.org.filters import JobDescriptionFilter
from rapport.org.forms import JobDescriptionForm
from rapport.org.models import JobDescription


class UserFormKwargs:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class JobDescriptionListView(base.ScopedListView):
    model = JobDescription
    filterset_class = JobDescriptionFilter
    select_related = ("team",)
    template_name = "org/jobdescription_list.html"


class JobDescriptionDetailView(base.ScopedDetailView):
    model = JobDescription
    select_related = ("team",)
    template_name = "org/jobdescription_detail.html"


class JobDescriptionCreateView(UserFormKwargs, base.ScopedCreateView):
    model = JobDescription
    form_class = JobDescriptionForm
    template_name = "org/form.html"


class JobDescriptionUpdateView(UserFormKwargs, base.ScopedUpdateView):
    model = JobDescription
    form_class = JobDescriptionForm
    template_name = "org/form.html"


class JobDescriptionArchiveView(base.ScopedArchiveView):
    model = JobDescription
