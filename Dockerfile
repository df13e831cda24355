# syntax=docker/dockerfile:1
# gongkai: one static binary; the compose services pick the subcommand
# (api, worker, migrate). Build: docker build -t gongkai:local .

FROM golang:1.26.8 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /gongkai ./cmd/gongkai

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 gongkai \
    && useradd --system --uid 10001 --gid gongkai --home-dir /data --no-create-home --shell /usr/sbin/nologin gongkai \
    && mkdir -p /data \
    && chown gongkai:gongkai /data
COPY --from=build /gongkai /gongkai
# Attachments live under GONGKAI_DATA; in compose a named volume shared by
# every api and worker replica. The directory's owner carries over into a
# new named volume.
ENV GONGKAI_DATA=/data
VOLUME /data
USER gongkai:gongkai
EXPOSE 8080
ENTRYPOINT ["/gongkai"]
CMD ["api"]
