"""Customer API action `merge`: mixed into `CustomerViewSet`, calls `services.merge`."""


class MergeActionMixin:
    pass
