"""Sign-up, log-in, log-out, the email confirmation page and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from autoclip.errors import InputError
from autoclip.service.auth import service, verification
from autoclip.service.auth.schemas import Login, Register, VerifyEmail
from autoclip.service.auth.throttle import LoginThrottle
from autoclip.service.auth.verification import EmailNotVerified, Mailroom
from autoclip.service.deps import RuntimeDep, SessionDep, client_of, limit_anonymous
from autoclip.service.problems import AppError, TooManyRequests, Unauthorized
from autoclip.service.studio.catalog import LANGUAGES, text
from autoclip.service.studio.forms import input_error, problem_text, validation_errors
from autoclip.service.studio.render import page
from autoclip.service.studio.session import end_session, set_language, start_session
from autoclip.service.studio.web import VisitDep, form_refused, safe_next, see_other

router = APIRouter()
Field = Annotated[str, Form()]


def _mailroom(runtime: RuntimeDep) -> Mailroom:
    return Mailroom(runtime.settings, runtime.signer, runtime.limiter, runtime.mail)


def _too_many(request: Request, visit: VisitDep, runtime: RuntimeDep) -> str:
    """The API's limit on anonymous requests from one address, said in words ("" when
    under it): sign-up, log-in and confirmation count as the API's own routes do."""
    try:
        limit_anonymous(request, runtime)
    except TooManyRequests as error:
        return problem_text(error, visit.language)
    return ""


@router.get("/login")
def login_page(request: Request, visit: VisitDep, next: str = "/", notice: str = "") -> Response:
    if visit.user is not None:
        return see_other(safe_next(next))
    shown = notice if notice in ("login.logged_out", "verify.done") else ""
    return page(request, visit, "login.html", then=safe_next(next), notice=shown,
                errors={}, email="", problem="", unverified=False)  # fmt: skip


@router.post("/login")
def login(  # nosec B107 # an empty form field by default, not a password
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Field = "",
    password: Field = "",
    csrf: Field = "",
    next: Field = "/",
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    if limited := _too_many(request, visit, runtime):
        return _login_form(request, visit, next, email, limited, status=429)
    errors: dict[str, str] = {}
    problem = ""
    too_many = False
    unverified = False
    try:
        credentials = Login(email=email, password=password)
        policy = runtime.settings.auth
        throttle = LoginThrottle(runtime.limiter, policy)
        tokens = service.login(
            session, runtime.signer, policy, throttle, client_of(request), credentials,
            browser=True,
        )  # fmt: skip
    except ValidationError as error:
        errors = validation_errors(error, language)
    except EmailNotVerified:
        unverified = True
        problem = text("login.unverified", language)
    except Unauthorized:
        problem = text("login.bad", language)
    except TooManyRequests as error:
        seconds = error.headers.get("Retry-After", "60")
        problem = text("login.locked", language).format(seconds=seconds)
        too_many = True
    except AppError as error:
        problem = problem_text(error, language)
    else:
        answer = see_other(safe_next(next))
        start_session(answer, visit, tokens.refresh_token, runtime.settings.auth.refresh_token_days)
        return answer
    status = 429 if too_many else 400
    return _login_form(request, visit, next, email, problem, status, errors, unverified)


def _login_form(
    request: Request, visit: VisitDep, then: str, email: str, problem: str, status: int,
    errors: dict[str, str] | None = None, unverified: bool = False,
) -> Response:  # fmt: skip
    return page(request, visit, "login.html", status=status, then=safe_next(then), notice="",
                errors=errors or {}, email=email, problem=problem,
                unverified=unverified)  # fmt: skip


@router.post("/verify-email/resend")
def resend(
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Field = "",
    csrf: Field = "",
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    if limited := _too_many(request, visit, runtime):
        return _login_form(request, visit, "/", email, limited, status=429)
    try:
        verification.check_resend_allowed(runtime.limiter, runtime.settings, client_of(request))
        verification.resend(session, _mailroom(runtime), email.strip(), visit.language)
    except AppError as error:
        return _login_form(request, visit, "/", email, problem_text(error, visit.language),
                           status=error.status)  # fmt: skip
    except (ValueError, InputError):
        pass  # the same answer for any email: which ones have accounts is not told
    return page(request, visit, "login.html", then="/", notice="login.resent", errors={},
                email=email, problem="", unverified=False)  # fmt: skip


@router.post("/logout")
def logout(
    request: Request, visit: VisitDep, session: SessionDep, runtime: RuntimeDep, csrf: Field = ""
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    if visit.user is not None and visit.session_token is not None:
        service.logout(session, visit.user, visit.session_token)
    answer = see_other("/login?notice=login.logged_out")
    end_session(answer, visit)
    return answer


@router.get("/signup")
def signup_page(request: Request, visit: VisitDep) -> Response:
    if visit.user is not None:
        return see_other("/")
    return page(request, visit, "signup.html", errors={}, email="", name="", problem="")


@router.post("/signup")
def signup(  # nosec B107 # an empty form field by default, not a password
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Field = "",
    name: Field = "",
    password: Field = "",
    csrf: Field = "",
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    if limited := _too_many(request, visit, runtime):
        return page(request, visit, "signup.html", status=429, errors={}, email=email,
                    name=name, problem=limited)  # fmt: skip
    errors: dict[str, str] = {}
    problem = ""
    try:
        data = Register(email=email, password=password, name=name)
        # The mail goes out in the page's language.
        answer = service.register(
            session, data, runtime.settings.auth, _mailroom(runtime), language
        )
    except ValidationError as error:
        errors = validation_errors(error, language)
    except InputError as error:
        errors = input_error(error, language)
    except AppError as error:
        problem = problem_text(error, language)
    else:
        verify = runtime.settings.auth.verify_email
        return page(request, visit, "message.html", status=202, heading="signup.sent_title",
                    body="signup.sent" if verify else "signup.sent_no_verify",
                    fields={"email": answer.email})  # fmt: skip
    return page(request, visit, "signup.html", status=422 if errors else 400, errors=errors,
                email=email, name=name, problem=problem)  # fmt: skip


@router.get("/verify-email")
def verify_page(  # nosec B107 # an empty query by default, not a token
    request: Request, visit: VisitDep, token: str = ""
) -> HTMLResponse:
    """The page the mailed link opens. Confirming is a button (a POST): mail scanners that
    open links must not use them up."""
    return page(request, visit, "verify.html", token=token[:2000], problem="", errors={})


@router.post("/verify-email")
def verify(  # nosec B107 # an empty form field by default, not a token
    request: Request,
    visit: VisitDep,
    session: SessionDep,
    runtime: RuntimeDep,
    token: Field = "",
    csrf: Field = "",
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    language = visit.language
    if limited := _too_many(request, visit, runtime):
        return page(request, visit, "verify.html", status=429, token=token[:2000],
                    problem=limited, errors={})  # fmt: skip
    errors: dict[str, str] = {}
    problem = ""
    try:
        data = VerifyEmail(token=token.strip())
        verification.verify(session, runtime.signer, data.token)
    except ValidationError as error:
        errors = validation_errors(error, language)
    except AppError as error:
        key = "verify.already" if error.status == 409 else "verify.invalid"
        problem = (
            text(key, language) if error.status in (400, 409) else problem_text(error, language)
        )
    else:
        return see_other("/login?notice=verify.done")
    return page(request, visit, "verify.html", status=400, token=token[:2000], problem=problem,
                errors=errors)  # fmt: skip


@router.post("/language")
def language(
    request: Request,
    visit: VisitDep,
    runtime: RuntimeDep,
    to: Field = "",
    csrf: Field = "",
    next: Field = "/",
) -> Response:
    if refused := form_refused(request, runtime, visit, csrf):
        return refused
    answer = see_other(safe_next(next))
    if to in LANGUAGES:
        set_language(answer, visit, to)
    return answer
