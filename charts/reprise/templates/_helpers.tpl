{{/* Name prefix of every object: the release name, with "-reprise" unless it says reprise already. */}}
{{- define "reprise.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "reprise.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: reprise
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of the operator's pods. */}}
{{- define "reprise.operatorSelector" -}}
app.kubernetes.io/name: reprise-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of MinIO's pod. */}}
{{- define "reprise.minioSelector" -}}
app.kubernetes.io/name: reprise-minio
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "reprise.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "reprise.operatorImage" -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.operator.image (include "reprise.tag" .) -}}
{{- end -}}

{{- define "reprise.workerImage" -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.worker.image (include "reprise.tag" .) -}}
{{- end -}}

{{- define "reprise.minioName" -}}
{{- printf "%s-minio" (include "reprise.fullname" .) -}}
{{- end -}}

{{/* The store's S3 endpoint: the bundled MinIO's Service, else the value given. */}}
{{- define "reprise.s3Endpoint" -}}
{{- if .Values.minio.enabled -}}
{{- printf "http://%s.%s.svc:9000" (include "reprise.minioName" .) .Release.Namespace -}}
{{- else if .Values.store.endpoint -}}
{{- .Values.store.endpoint -}}
{{- else -}}
{{- fail "store.endpoint is required: the S3 endpoint URL (or set minio.enabled=true)" -}}
{{- end -}}
{{- end -}}

{{/* The namespaces the store's Secret is created in: the release's and every watched one. */}}
{{- define "reprise.secretNamespaces" -}}
{{- $all := list .Release.Namespace -}}
{{- range .Values.operator.watchNamespaces -}}
{{- $all = append $all . -}}
{{- end -}}
{{- $all | uniq | join "," -}}
{{- end -}}

{{/* Labels of the operator's objects: the common ones and its name. */}}
{{- define "reprise.operatorLabels" -}}
{{ include "reprise.labels" . }}
app.kubernetes.io/name: reprise-operator
{{- end -}}

{{/* Labels of MinIO's objects: the common ones and its name. */}}
{{- define "reprise.minioLabels" -}}
{{ include "reprise.labels" . }}
app.kubernetes.io/name: reprise-minio
{{- end -}}

{{/* The store's keys from its Secret, when there is one (store.credentialsSecret). */}}
{{- define "reprise.storeKeysEnv" -}}
{{- if .Values.store.credentialsSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.store.credentialsSecret }}
      key: AWS_ACCESS_KEY_ID
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.store.credentialsSecret }}
      key: AWS_SECRET_ACCESS_KEY
{{- end }}
{{- if .Values.store.webIdentity.roleArn }}
- name: AWS_ROLE_ARN
  value: {{ .Values.store.webIdentity.roleArn | quote }}
- name: AWS_WEB_IDENTITY_TOKEN_FILE
  value: /var/run/secrets/eks.amazonaws.com/serviceaccount/token
{{- end }}
{{- end -}}

{{/* The web identity token's mount, with store.webIdentity.roleArn (the IRSA webhook's names). */}}
{{- define "reprise.webIdentityMount" -}}
{{- if .Values.store.webIdentity.roleArn }}
- name: aws-iam-token
  mountPath: /var/run/secrets/eks.amazonaws.com/serviceaccount
  readOnly: true
{{- end }}
{{- end -}}

{{/* The web identity token: bound to STS's audience, useless to the Kubernetes API. */}}
{{- define "reprise.webIdentityVolume" -}}
{{- if .Values.store.webIdentity.roleArn }}
- name: aws-iam-token
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .Values.store.webIdentity.audience | quote }}
          expirationSeconds: 86400
          path: token
{{- end }}
{{- end -}}
