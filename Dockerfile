FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY servicing/ servicing/
COPY loans/ loans/
COPY escrow/ escrow/
COPY credit_reporting/ credit_reporting/
COPY wizards/ wizards/
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
RUN useradd --system app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "servicing.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
