"""factory_boy factories for the org app. They create through the services, so every
factory-made row is as real as one made by a page (audited, paths computed, scope forgotten)."""

from __future__ import annotations

import factory

from rapport.core import services as core
from rapport.org import services
from rapport.org.models import JobDescription, Membership, Role, Team, User


class ServiceFactory(factory.Factory):
    """Builds kwargs with factory_boy, then hands them to a service instead of Model()."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls.service(kwargs)


class UserFactory(ServiceFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.Sequence(lambda n: f"用户{n}")

    @staticmethod
    def service(data):
        return services.user_create(actor=None, data=data)


class TeamFactory(ServiceFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"团队{n}")
    parent = None

    @staticmethod
    def service(data):
        return services.team_create(actor=None, data=data)


class MembershipFactory(ServiceFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.ACCOUNT_MANAGER

    @staticmethod
    def service(data):
        return services.membership_create(actor=None, data=data)


class JobDescriptionFactory(ServiceFactory):
    class Meta:
        model = JobDescription

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"岗位{n}")
    responsibilities = "维护客户关系"

    @staticmethod
    def service(data):
        return core.create_object(actor=None, model=JobDescription, data=data)
