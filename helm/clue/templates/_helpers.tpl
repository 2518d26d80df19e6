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
