{{/*
Object names: the release name when it contains "clue" (release "clue" gives clue-coordinator, clue-nats, ...),
else "<release>-clue".
*/}}
{{- define "clue.fullname" -}}
{{- if contains "clue" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-clue" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "worker"). */}}
{{- define "clue.selectorLabels" -}}
app.kubernetes.io/name: clue
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component's objects. */}}
{{- define "clue.labels" -}}
{{ include "clue.selectorLabels" . }}
app.kubernetes.io/part-of: clue
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{- end -}}

{{/* An image reference from {repository, tag, digest}: repo:tag, or repo:tag@digest when a digest is set. */}}
{{- define "clue.image" -}}
{{- if .digest -}}
{{- printf "%s:%s@%s" .repository .tag .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{- define "clue.natsName" -}}{{ include "clue.fullname" . }}-nats{{- end -}}
{{- define "clue.coordinatorName" -}}{{ include "clue.fullname" . }}-coordinator{{- end -}}
{{- define "clue.workerName" -}}{{ include "clue.fullname" . }}-worker{{- end -}}
{{- define "clue.nightlyName" -}}{{ include "clue.fullname" . }}-nightly{{- end -}}

{{/* Client URL of the in-cluster NATS service. */}}
{{- define "clue.natsUrl" -}}nats://{{ include "clue.natsName" . }}:4222{{- end -}}

{{/* host:port of the coordinator's gRPC service. */}}
{{- define "clue.coordinatorAddress" -}}{{ include "clue.coordinatorName" . }}:50051{{- end -}}

{{/* Pod-level security context shared by every pod (restricted Pod Security Standard). */}}
{{- define "clue.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context: no privilege escalation, no capabilities; pass readOnlyRootFilesystem. */}}
{{- define "clue.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ . }}
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "clue.imagePullSecrets" -}}
{{- with .Values.images.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
Names of the four credential Secrets (security.secrets.*; "" = the default name). They are created by the user
(`clue secrets ...`), by cert-manager (the two TLS Secrets) or, for development only, by the chart.
*/}}
{{- define "clue.natsTlsSecret" -}}{{ .Values.security.secrets.natsTls | default (printf "%s-nats-tls" (include "clue.fullname" .)) }}{{- end -}}
{{- define "clue.coordinatorTlsSecret" -}}{{ .Values.security.secrets.coordinatorTls | default (printf "%s-coordinator-tls" (include "clue.fullname" .)) }}{{- end -}}
{{- define "clue.natsAuthSecret" -}}{{ .Values.security.secrets.natsAuth | default (printf "%s-nats-auth" (include "clue.fullname" .)) }}{{- end -}}
{{- define "clue.apiTokensSecret" -}}{{ .Values.security.secrets.apiTokens | default (printf "%s-api-tokens" (include "clue.fullname" .)) }}{{- end -}}

{{/*
DNS names of the NATS certificate (a JSON list): the client Service in every spelling, the pods behind the headless
Service (the route URLs), localhost. Its IP address is 127.0.0.1 (clue.certificateIps).
*/}}
{{- define "clue.natsDnsNames" -}}
{{- $n := include "clue.natsName" . -}}
{{- $ns := .Release.Namespace -}}
{{- $d := .Values.clusterDomain -}}
{{- list $n (printf "%s.%s" $n $ns) (printf "%s.%s.svc" $n $ns) (printf "%s.%s.svc.%s" $n $ns $d) (printf "*.%s-headless.%s.svc.%s" $n $ns $d) (printf "*.%s-headless.%s.svc" $n $ns) "localhost" | toJson -}}
{{- end -}}

{{/* DNS names of the coordinator's gRPC certificate (a JSON list): its Service in every spelling, localhost (port-forward). */}}
{{- define "clue.coordinatorDnsNames" -}}
{{- $n := include "clue.coordinatorName" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $n (printf "%s.%s" $n $ns) (printf "%s.%s.svc" $n $ns) (printf "%s.%s.svc.%s" $n $ns .Values.clusterDomain) "localhost" | toJson -}}
{{- end -}}

{{/* IP addresses of both certificates (a JSON list). */}}
{{- define "clue.certificateIps" -}}{{ list "127.0.0.1" | toJson }}{{- end -}}
