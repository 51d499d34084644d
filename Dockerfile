FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_ENV=production VAR_DIR=/var/lib/tracker
WORKDIR /app
# python-ldap (LDAP sign-on) compiles against the OpenLDAP and SASL libraries.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libldap2-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir '.[ldap]' && mkdir -p /var/lib/tracker \
    && SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["deploy/web"]
