// Command host-kubelet is the node of the development cluster (k8s/dev/cluster.sh): it registers
// a Node and keeps its Lease, binds pending pods to itself (there is no kube-scheduler), and runs
// each pod's containers as host processes: init containers one after another, then the app
// containers at once, each with the pod's environment, working directory and volumes (emptyDir,
// configMap, secret and hostPath, bind-mounted at their mount paths in a private mount namespace
// per container). It writes real pod status back (phase, conditions, container states with exit
// codes and FallbackToLogsOnError messages) and honours graceful deletion, so an eviction (kubectl
// drain) ends a pod as a real node does: SIGTERM, then SIGKILL after the grace period, the pod
// Failed with the DisruptionTarget condition the API server set.
//
// Images are not pulled: the worker image (--worker-image) runs with --worker-path first on PATH,
// so its `reprise` is the repository's bin/reprise; any other image runs its argv on the host.
// Containers run as the kubelet's user, without resource limits; logs are files under
// --state-dir/pods.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

const version = "v1.36.3-reprise-host"

type kubelet struct {
	client       kubernetes.Interface
	node         string
	stateDir     string
	workerImages map[string]bool
	workerPath   string
	workerFiles  []string
	capacity     v1.ResourceList
	pods         corelisters.PodLister
	nodes        corelisters.NodeLister

	mu      sync.Mutex
	assumed map[types.UID]bool // the scheduling loop's: bound here, not yet seen bound by the informer
	running map[types.UID]*podRun
	done    map[types.UID]bool // pods this kubelet finished or deleted: never run again
	wake    chan struct{}
}

// podRun is one pod being run: its processes, so that deletion can stop them.
type podRun struct {
	mu         sync.Mutex
	procs      map[string]*os.Process
	terminated bool // graceful deletion began: no new container starts
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exec-container" {
		execContainer(os.Args[2:])
		return
	}
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of a user allowed to manage nodes and pods")
	node := flag.String("node-name", "reprise-dev", "the Node this kubelet registers")
	stateDir := flag.String("state-dir", "/tmp/reprise-dev/kubelet", "pods' volumes and logs")
	workerImage := flag.String("worker-image", "", "images (comma-separated) that run with --worker-path first on PATH")
	workerPath := flag.String("worker-path", "", "folder holding the worker image's commands (reprise)")
	workerFiles := flag.String("worker-files", "", "host folders (comma-separated) the worker image's commands read, kept visible under volumes")
	cpu := flag.String("cpu", "2", "the node's CPU capacity")
	memory := flag.String("memory", "8Gi", "the node's memory capacity")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("host-kubelet: %v", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	k := &kubelet{
		client:       kubernetes.NewForConfigOrDie(cfg),
		node:         *node,
		stateDir:     *stateDir,
		workerImages: map[string]bool{},
		workerPath:   *workerPath,
		capacity: v1.ResourceList{
			v1.ResourceCPU:              resource.MustParse(*cpu),
			v1.ResourceMemory:           resource.MustParse(*memory),
			v1.ResourcePods:             resource.MustParse("110"),
			v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
		},
		assumed: map[types.UID]bool{},
		running: map[types.UID]*podRun{},
		done:    map[types.UID]bool{},
		wake:    make(chan struct{}, 1),
	}
	for _, dir := range append([]string{*workerPath}, strings.Split(*workerFiles, ",")...) {
		if dir != "" {
			k.workerFiles = append(k.workerFiles, dir)
		}
	}
	for _, image := range strings.Split(*workerImage, ",") {
		if image != "" {
			k.workerImages[image] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := k.register(ctx); err != nil {
		log.Fatalf("host-kubelet: cannot register node %s: %v", k.node, err)
	}
	factory := informers.NewSharedInformerFactory(k.client, 0)
	podInformer := factory.Core().V1().Pods()
	k.pods = podInformer.Lister()
	k.nodes = factory.Core().V1().Nodes().Lister()
	podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.sync(ctx, obj.(*v1.Pod)) },
		UpdateFunc: func(_, obj any) { k.sync(ctx, obj.(*v1.Pod)) },
		DeleteFunc: func(obj any) {
			if pod, ok := obj.(*v1.Pod); ok {
				k.forget(pod)
			}
			k.poke()
		},
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	log.Printf("host-kubelet: node %s ready (cpu %s, memory %s)", k.node, *cpu, *memory)
	go k.heartbeat(ctx)
	k.schedule(ctx)

	// Stopping the node stops its containers: nothing outlives `cluster.sh down`.
	k.mu.Lock()
	for _, r := range k.running {
		r.signal(syscall.SIGKILL)
	}
	k.mu.Unlock()
}

func (k *kubelet) poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// ---- the node ----

func (k *kubelet) register(ctx context.Context) error {
	node := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: k.node,
			Labels: map[string]string{
				"kubernetes.io/hostname": k.node,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
	}
	_, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return k.nodeStatus(ctx)
}

func (k *kubelet) nodeStatus(ctx context.Context) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := k.client.CoreV1().Nodes().Get(ctx, k.node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
			c := v1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
			for _, old := range n.Status.Conditions {
				if old.Type == t && old.Status == s {
					c.LastTransitionTime = old.LastTransitionTime
				}
			}
			return c
		}
		n.Status.Capacity = k.capacity
		n.Status.Allocatable = k.capacity
		n.Status.Phase = v1.NodeRunning
		n.Status.Addresses = []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: "127.0.0.1"}, {Type: v1.NodeHostName, Address: k.node}}
		n.Status.NodeInfo = v1.NodeSystemInfo{KubeletVersion: version, OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "host://processes"}
		n.Status.Conditions = []v1.NodeCondition{
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
		}
		_, err = k.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
}

// heartbeat renews the node's Lease every 10 s and its status every 40 s, as a kubelet does.
func (k *kubelet) heartbeat(ctx context.Context) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		if err := k.renewLease(ctx); err != nil && ctx.Err() == nil {
			log.Printf("host-kubelet: lease: %v", err)
		}
		if i%4 == 3 {
			if err := k.nodeStatus(ctx); err != nil && ctx.Err() == nil {
				log.Printf("host-kubelet: node status: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (k *kubelet) renewLease(ctx context.Context) error {
	leases := k.client.CoordinationV1().Leases(v1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	l, err := leases.Get(ctx, k.node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		d := int32(40)
		_, err = leases.Create(ctx, &coordv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: k.node},
			Spec:       coordv1.LeaseSpec{HolderIdentity: &k.node, LeaseDurationSeconds: &d, RenewTime: &now},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.RenewTime = &now
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

// ---- the scheduler's part: binding pending pods to this node ----

// request is what a pod asks of a node: the larger of its app containers' sum and its largest
// init container, as kube-scheduler counts it.
func request(pod *v1.Pod) v1.ResourceList {
	sum := v1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		for name, q := range c.Resources.Requests {
			v := sum[name]
			v.Add(q)
			sum[name] = v
		}
	}
	for _, c := range pod.Spec.InitContainers {
		for name, q := range c.Resources.Requests {
			if v, ok := sum[name]; !ok || q.Cmp(v) > 0 {
				sum[name] = q.DeepCopy()
			}
		}
	}
	return sum
}

func terminal(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
}

// schedule binds pending pods, oldest first, while their requests fit what is free; a pod that
// does not fit is marked Unschedulable, with kube-scheduler's words, until it does.
func (k *kubelet) schedule(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		case <-tick.C:
		}
		all, err := k.pods.List(labels.Everything())
		if err != nil {
			continue
		}
		used := v1.ResourceList{}
		var pending []*v1.Pod
		for _, p := range all {
			if p.Spec.NodeName != "" {
				delete(k.assumed, p.UID)
			}
			switch {
			case (p.Spec.NodeName == k.node || k.assumed[p.UID]) && !terminal(p):
				for name, q := range request(p) {
					v := used[name]
					v.Add(q)
					used[name] = v
				}
			case p.Spec.NodeName == "" && p.DeletionTimestamp == nil && !terminal(p) &&
				(p.Spec.SchedulerName == "" || p.Spec.SchedulerName == v1.DefaultSchedulerName):
				pending = append(pending, p)
			}
		}
		sort.Slice(pending, func(i, j int) bool {
			return pending[i].CreationTimestamp.Before(&pending[j].CreationTimestamp)
		})
		for _, p := range pending {
			if why := k.unfit(p, used); why != "" {
				k.unschedulable(ctx, p, why)
				continue
			}
			err := k.client.CoreV1().Pods(p.Namespace).Bind(ctx, &v1.Binding{
				ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID},
				Target:     v1.ObjectReference{Kind: "Node", Name: k.node},
			}, metav1.CreateOptions{})
			if err != nil {
				log.Printf("host-kubelet: bind %s/%s: %v", p.Namespace, p.Name, err)
				continue
			}
			// Counted as placed until the informer shows the binding, so that the next round,
			// which may come first, does not give its resources away again.
			k.assumed[p.UID] = true
			for name, q := range request(p) {
				v := used[name]
				v.Add(q)
				used[name] = v
			}
		}
	}
}

// unfit says why a pod cannot be placed here now, in kube-scheduler's words; "" if it fits.
func (k *kubelet) unfit(p *v1.Pod, used v1.ResourceList) string {
	if n, err := k.nodes.Get(k.node); err == nil && n.Spec.Unschedulable {
		// Cordoned (kubectl cordon or drain): nothing new is placed here.
		return "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	}
	for key, want := range p.Spec.NodeSelector {
		if key != "kubernetes.io/hostname" && key != "kubernetes.io/os" && key != "kubernetes.io/arch" ||
			key == "kubernetes.io/hostname" && want != k.node ||
			key == "kubernetes.io/os" && want != "linux" ||
			key == "kubernetes.io/arch" && want != "amd64" {
			return "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
		}
	}
	var short []string
	for _, name := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory} {
		want, ok := request(p)[name]
		if !ok {
			continue
		}
		free := k.capacity[name].DeepCopy()
		free.Sub(used[name])
		if want.Cmp(free) > 0 {
			short = append(short, "1 Insufficient "+string(name))
		}
	}
	if len(short) == 0 {
		return ""
	}
	return "0/1 nodes are available: " + strings.Join(short, ", ") +
		". preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
}

func (k *kubelet) unschedulable(ctx context.Context, p *v1.Pod, message string) {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodScheduled && c.Status == v1.ConditionFalse && c.Message == message {
			return
		}
	}
	latest := p.DeepCopy()
	setCondition(&latest.Status, v1.PodCondition{
		Type: v1.PodScheduled, Status: v1.ConditionFalse, Reason: v1.PodReasonUnschedulable, Message: message,
	})
	if _, err := k.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, latest, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		log.Printf("host-kubelet: status of %s/%s: %v", p.Namespace, p.Name, err)
	}
}

// setCondition sets a condition, keeping its lastTransitionTime unless its status changes.
func setCondition(s *v1.PodStatus, c v1.PodCondition) {
	now := metav1.Now()
	c.LastProbeTime = metav1.Time{}
	for i, old := range s.Conditions {
		if old.Type == c.Type {
			c.LastTransitionTime = old.LastTransitionTime
			if old.Status != c.Status || c.LastTransitionTime.IsZero() {
				c.LastTransitionTime = now
			}
			s.Conditions[i] = c
			return
		}
	}
	c.LastTransitionTime = now
	s.Conditions = append(s.Conditions, c)
}

// ---- running pods ----

func (k *kubelet) sync(ctx context.Context, pod *v1.Pod) {
	if pod.Spec.NodeName == "" {
		k.poke()
		return
	}
	if pod.Spec.NodeName != k.node {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if r, ok := k.running[pod.UID]; ok {
		if pod.DeletionTimestamp != nil {
			grace := int64(30)
			if pod.DeletionGracePeriodSeconds != nil {
				grace = *pod.DeletionGracePeriodSeconds
			}
			go r.terminate(time.Duration(grace) * time.Second)
		}
		return
	}
	if pod.DeletionTimestamp != nil {
		// Nothing runs: the kubelet's part of deletion is done, the object can go.
		if !k.done[pod.UID] || terminal(pod) {
			k.done[pod.UID] = true
			go k.remove(ctx, pod)
		}
		return
	}
	if k.done[pod.UID] || terminal(pod) {
		return
	}
	r := &podRun{procs: map[string]*os.Process{}}
	k.running[pod.UID] = r
	go func() {
		k.run(ctx, pod, r)
		k.mu.Lock()
		delete(k.running, pod.UID)
		k.done[pod.UID] = true
		k.mu.Unlock()
		k.poke()
		if latest, err := k.pods.Pods(pod.Namespace).Get(pod.Name); err == nil && latest.UID == pod.UID && latest.DeletionTimestamp != nil {
			k.remove(ctx, latest)
		}
	}()
}

// remove deletes a pod whose containers are gone, for good (grace period 0), as the kubelet's
// status manager does once a terminating pod is terminal.
func (k *kubelet) remove(ctx context.Context, pod *v1.Pod) {
	zero := int64(0)
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		log.Printf("host-kubelet: delete %s/%s: %v", pod.Namespace, pod.Name, err)
	}
}

func (k *kubelet) forget(pod *v1.Pod) {
	k.mu.Lock()
	r := k.running[pod.UID]
	k.mu.Unlock()
	if r != nil {
		r.signal(syscall.SIGKILL)
	}
	os.RemoveAll(filepath.Join(k.podDir(pod), "volumes"))
}

func (k *kubelet) podDir(pod *v1.Pod) string {
	return filepath.Join(k.stateDir, "pods", pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
}

func (r *podRun) signal(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.terminated = true
	for _, p := range r.procs {
		syscall.Kill(-p.Pid, sig) // the container's process group
	}
}

func (r *podRun) terminate(grace time.Duration) {
	r.mu.Lock()
	already := r.terminated
	r.mu.Unlock()
	if already {
		return
	}
	r.signal(syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		left := len(r.procs)
		r.mu.Unlock()
		if left == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.signal(syscall.SIGKILL)
}

// status holds what the kubelet owns of a pod's status and writes it back.
type status struct {
	k   *kubelet
	pod *v1.Pod
	mu  sync.Mutex
	s   v1.PodStatus
}

func (st *status) update(ctx context.Context, change func(s *v1.PodStatus)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	change(&st.s)
	err := retry.OnError(retry.DefaultBackoff, func(err error) bool {
		return apierrors.IsConflict(err) || apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err)
	}, func() error {
		latest, err := st.k.client.CoreV1().Pods(st.pod.Namespace).Get(ctx, st.pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if latest.UID != st.pod.UID {
			return apierrors.NewNotFound(v1.Resource("pods"), st.pod.Name)
		}
		s := st.s.DeepCopy()
		// Conditions others own (PodScheduled from binding, DisruptionTarget from an eviction)
		// stay as they are.
		ours := map[v1.PodConditionType]bool{}
		for _, c := range s.Conditions {
			ours[c.Type] = true
		}
		for _, c := range latest.Status.Conditions {
			if !ours[c.Type] {
				s.Conditions = append(s.Conditions, c)
			}
		}
		latest.Status = *s
		_, err = st.k.client.CoreV1().Pods(st.pod.Namespace).UpdateStatus(ctx, latest, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("host-kubelet: status of %s/%s: %v", st.pod.Namespace, st.pod.Name, err)
	}
}

func waiting(c v1.Container, reason string) v1.ContainerStatus {
	return v1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image,
		State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason}}}
}

func qos(pod *v1.Pod) v1.PodQOSClass {
	any := false
	for _, c := range append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			any = true
		}
	}
	if !any {
		return v1.PodQOSBestEffort
	}
	return v1.PodQOSBurstable
}

// run runs one pod to its end and reports every step.
func (k *kubelet) run(ctx context.Context, pod *v1.Pod, r *podRun) {
	st := &status{k: k, pod: pod}
	now := metav1.Now()
	for _, c := range pod.Status.ContainerStatuses {
		if c.State.Running != nil || c.State.Terminated != nil {
			// Started by an earlier kubelet, whose processes are gone.
			st.update(ctx, func(s *v1.PodStatus) {
				s.Phase = v1.PodFailed
				s.Reason = "ContainerStatusUnknown"
				s.Message = "the host kubelet restarted while the pod ran"
			})
			return
		}
	}
	st.s = v1.PodStatus{
		Phase: v1.PodPending, HostIP: "127.0.0.1", HostIPs: []v1.HostIP{{IP: "127.0.0.1"}},
		PodIP: "127.0.0.1", PodIPs: []v1.PodIP{{IP: "127.0.0.1"}}, StartTime: &now, QOSClass: qos(pod),
	}
	for _, c := range pod.Spec.InitContainers {
		st.s.InitContainerStatuses = append(st.s.InitContainerStatuses, waiting(c, "PodInitializing"))
	}
	for _, c := range pod.Spec.Containers {
		reason := "ContainerCreating"
		if len(pod.Spec.InitContainers) > 0 {
			reason = "PodInitializing"
		}
		st.s.ContainerStatuses = append(st.s.ContainerStatuses, waiting(c, reason))
	}
	initialized := v1.ConditionTrue
	initReason := ""
	if len(pod.Spec.InitContainers) > 0 {
		initialized, initReason = v1.ConditionFalse, "ContainersNotInitialized"
	}
	st.update(ctx, func(s *v1.PodStatus) {
		setCondition(s, v1.PodCondition{Type: v1.PodReadyToStartContainers, Status: v1.ConditionTrue})
		setCondition(s, v1.PodCondition{Type: v1.PodInitialized, Status: initialized, Reason: initReason})
		setCondition(s, v1.PodCondition{Type: v1.ContainersReady, Status: v1.ConditionFalse, Reason: "ContainersNotReady"})
		setCondition(s, v1.PodCondition{Type: v1.PodReady, Status: v1.ConditionFalse, Reason: "ContainersNotReady"})
	})

	volumes, err := k.volumes(ctx, pod)
	if err != nil {
		st.update(ctx, func(s *v1.PodStatus) {
			s.Phase = v1.PodFailed
			s.Reason = "FailedMount"
			s.Message = err.Error()
		})
		return
	}
	for i, c := range pod.Spec.InitContainers {
		term := k.runContainer(ctx, pod, c, volumes, r, st, func(s *v1.PodStatus) *v1.ContainerStatus { return &s.InitContainerStatuses[i] })
		if term.ExitCode != 0 {
			st.update(ctx, func(s *v1.PodStatus) {
				s.Phase = v1.PodFailed
				setCondition(s, v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionFalse, Reason: "ContainersNotInitialized",
					Message: fmt.Sprintf("containers with incomplete status: [%s]", c.Name)})
				for j := range s.ContainerStatuses {
					s.ContainerStatuses[j].State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
						ExitCode: 137, Reason: "ContainerStatusUnknown", Message: "The container could not be located when the pod was terminated"}}
				}
			})
			return
		}
	}
	st.update(ctx, func(s *v1.PodStatus) {
		s.Phase = v1.PodRunning
		setCondition(s, v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionTrue})
	})
	var wg sync.WaitGroup
	exits := make([]int32, len(pod.Spec.Containers))
	for i, c := range pod.Spec.Containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exits[i] = k.runContainer(ctx, pod, c, volumes, r, st, func(s *v1.PodStatus) *v1.ContainerStatus { return &s.ContainerStatuses[i] }).ExitCode
		}()
	}
	wg.Wait()
	st.update(ctx, func(s *v1.PodStatus) {
		s.Phase = v1.PodSucceeded
		for _, e := range exits {
			if e != 0 {
				s.Phase = v1.PodFailed
			}
		}
		setCondition(s, v1.PodCondition{Type: v1.PodReadyToStartContainers, Status: v1.ConditionFalse})
		setCondition(s, v1.PodCondition{Type: v1.ContainersReady, Status: v1.ConditionFalse, Reason: "PodCompleted"})
		setCondition(s, v1.PodCondition{Type: v1.PodReady, Status: v1.ConditionFalse, Reason: "PodCompleted"})
	})
}

// ready updates ContainersReady and Ready from the app containers' states.
func ready(s *v1.PodStatus) {
	all := len(s.ContainerStatuses) > 0
	for _, c := range s.ContainerStatuses {
		if c.State.Running == nil {
			all = false
		}
	}
	cs, reason := v1.ConditionFalse, "ContainersNotReady"
	if all {
		cs, reason = v1.ConditionTrue, ""
	}
	setCondition(s, v1.PodCondition{Type: v1.ContainersReady, Status: cs, Reason: reason})
	setCondition(s, v1.PodCondition{Type: v1.PodReady, Status: cs, Reason: reason})
}

// volumes makes the pod's volumes as host folders: name -> folder.
func (k *kubelet) volumes(ctx context.Context, pod *v1.Pod) (map[string]string, error) {
	dirs := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		dir := filepath.Join(k.podDir(pod), "volumes", v.Name)
		switch {
		case v.EmptyDir != nil:
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, err
			}
			os.Chmod(dir, 0o777)
		case v.HostPath != nil:
			dir = v.HostPath.Path
		case v.ConfigMap != nil:
			cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && v.ConfigMap.Optional != nil && *v.ConfigMap.Optional {
					cm = &v1.ConfigMap{}
				} else {
					return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q: %v", v.Name, err)
				}
			}
			files := map[string][]byte{}
			for key, val := range cm.Data {
				files[key] = []byte(val)
			}
			for key, val := range cm.BinaryData {
				files[key] = val
			}
			if err := writeFiles(dir, files, v.ConfigMap.Items); err != nil {
				return nil, err
			}
		case v.Secret != nil:
			sec, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && v.Secret.Optional != nil && *v.Secret.Optional {
					sec = &v1.Secret{}
				} else {
					return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q: %v", v.Name, err)
				}
			}
			if err := writeFiles(dir, sec.Data, v.Secret.Items); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("volume %q: the host kubelet supports emptyDir, configMap, secret and hostPath volumes only", v.Name)
		}
		dirs[v.Name] = dir
	}
	return dirs, nil
}

func writeFiles(dir string, files map[string][]byte, items []v1.KeyToPath) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	paths := map[string]string{}
	if len(items) == 0 {
		for key := range files {
			paths[key] = key
		}
	}
	for _, it := range items {
		paths[it.Key] = it.Path
	}
	for key, path := range paths {
		data, ok := files[key]
		if !ok {
			return fmt.Errorf("key %q is not in the volume's source", key)
		}
		target := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runContainer runs one container to its end; its status is the one slot() points at.
func (k *kubelet) runContainer(ctx context.Context, pod *v1.Pod, c v1.Container, volumes map[string]string,
	r *podRun, st *status, slot func(*v1.PodStatus) *v1.ContainerStatus) v1.ContainerStateTerminated {
	fail := func(reason, message string) v1.ContainerStateTerminated {
		now := metav1.Now()
		t := v1.ContainerStateTerminated{ExitCode: 128, Reason: reason, Message: message, StartedAt: now, FinishedAt: now}
		st.update(ctx, func(s *v1.PodStatus) {
			slot(s).State = v1.ContainerState{Terminated: &t}
		})
		return t
	}
	env, err := k.environment(ctx, pod, c)
	if err != nil {
		return fail("CreateContainerConfigError", err.Error())
	}
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(c.Command) == 0 {
		return fail("CreateContainerError", "the host kubelet runs containers with a command only: image entrypoints are unknown here")
	}
	for i := range argv {
		argv[i] = expand(argv[i], env)
	}
	args := []string{"exec-container"}
	if k.workerImages[c.Image] {
		// The image's files are host folders: a volume mounted over one of their parents (an
		// emptyDir at /tmp, a checkout under /tmp) must not hide them, as it would not in a real
		// container, whose image is its root.
		for _, dir := range k.workerFiles {
			args = append(args, "--keep", dir)
		}
	}
	if c.WorkingDir != "" {
		args = append(args, "--workdir", c.WorkingDir)
	}
	for _, m := range c.VolumeMounts {
		src, ok := volumes[m.Name]
		if !ok {
			return fail("CreateContainerConfigError", fmt.Sprintf("volume mount %q names no volume of the pod", m.Name))
		}
		if m.SubPath != "" {
			src = filepath.Join(src, m.SubPath)
			os.MkdirAll(src, 0o777)
		}
		spec := src + "=" + m.MountPath
		if m.ReadOnly {
			spec += ":ro"
		}
		args = append(args, "--mount", spec)
	}
	args = append(args, "--")
	args = append(args, argv...)

	dir := k.podDir(pod)
	os.MkdirAll(dir, 0o755)
	logPath := filepath.Join(dir, c.Name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fail("RunContainerError", err.Error())
	}
	defer logFile.Close()
	self, _ := os.Executable()
	cmd := exec.Command(self, args...)
	cmd.Env = flatten(env)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Unshareflags: syscall.CLONE_NEWNS}

	r.mu.Lock()
	if r.terminated {
		r.mu.Unlock()
		return fail("ContainerCannotRun", "the pod is terminating")
	}
	err = cmd.Start()
	if err == nil {
		r.procs[c.Name] = cmd.Process
	}
	r.mu.Unlock()
	if err != nil {
		return fail("StartError", err.Error())
	}
	started := metav1.Now()
	st.update(ctx, func(s *v1.PodStatus) {
		cs := slot(s)
		cs.State = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: started}}
		t := true
		cs.Started = &t
		ready(s)
	})
	waitErr := cmd.Wait()
	r.mu.Lock()
	delete(r.procs, c.Name)
	r.mu.Unlock()

	t := v1.ContainerStateTerminated{StartedAt: started, FinishedAt: metav1.Now(), Reason: "Completed"}
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			t.ExitCode = 128 + int32(ws.Signal())
		} else {
			t.ExitCode = int32(ws.ExitStatus())
		}
	} else if waitErr != nil {
		t.ExitCode = 128
	}
	if t.ExitCode != 0 {
		t.Reason = "Error"
		if c.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError {
			t.Message = lastLines(logPath)
		}
	}
	st.update(ctx, func(s *v1.PodStatus) {
		cs := slot(s)
		cs.State = v1.ContainerState{Terminated: &t}
		f := false
		cs.Started = &f
		ready(s)
	})
	log.Printf("host-kubelet: %s/%s container %s exited with %d", pod.Namespace, pod.Name, c.Name, t.ExitCode)
	return t
}

// lastLines is what a kubelet keeps of a failed container's log: the last 80 lines, at most 2048
// bytes.
func lastLines(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 80 {
		lines = lines[len(lines)-80:]
	}
	text := strings.Join(lines, "\n")
	if len(text) > 2048 {
		text = text[len(text)-2048:]
	}
	return text
}

// environment is the container's environment: a base (PATH, HOME, the JVM's), then envFrom and
// env with references resolved, as the kubelet makes it.
func (k *kubelet) environment(ctx context.Context, pod *v1.Pod, c v1.Container) (map[string]string, error) {
	env := map[string]string{
		"PATH":     os.Getenv("PATH"),
		"HOME":     "/root",
		"HOSTNAME": pod.Name,
	}
	for _, name := range []string{"JAVA_HOME", "LANG", "LC_ALL", "TZ"} {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	if k.workerImages[c.Image] && k.workerPath != "" {
		env["PATH"] = k.workerPath + ":" + env["PATH"]
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional {
					continue
				}
				return nil, fmt.Errorf("configmap %q not found", from.ConfigMapRef.Name)
			}
			data = cm.Data
		case from.SecretRef != nil:
			sec, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && from.SecretRef.Optional != nil && *from.SecretRef.Optional {
					continue
				}
				return nil, fmt.Errorf("secret %q not found", from.SecretRef.Name)
			}
			data = map[string]string{}
			for key, val := range sec.Data {
				data[key] = string(val)
			}
		}
		for key, val := range data {
			env[from.Prefix+key] = val
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = expand(e.Value, env)
			continue
		}
		val, skip, err := k.valueFrom(ctx, pod, c, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if !skip {
			env[e.Name] = val
		}
	}
	return env, nil
}

func (k *kubelet) valueFrom(ctx context.Context, pod *v1.Pod, c v1.Container, from *v1.EnvVarSource) (string, bool, error) {
	switch {
	case from.FieldRef != nil:
		path := from.FieldRef.FieldPath
		switch {
		case path == "metadata.name":
			return pod.Name, false, nil
		case path == "metadata.namespace":
			return pod.Namespace, false, nil
		case path == "metadata.uid":
			return string(pod.UID), false, nil
		case path == "spec.nodeName":
			return k.node, false, nil
		case path == "spec.serviceAccountName":
			return pod.Spec.ServiceAccountName, false, nil
		case path == "status.hostIP" || path == "status.podIP" || path == "status.hostIPs" || path == "status.podIPs":
			return "127.0.0.1", false, nil
		case strings.HasPrefix(path, "metadata.labels['"):
			return pod.Labels[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.labels['"), "']")], false, nil
		case strings.HasPrefix(path, "metadata.annotations['"):
			return pod.Annotations[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.annotations['"), "']")], false, nil
		}
		return "", false, fmt.Errorf("unsupported fieldRef %q", path)
	case from.ResourceFieldRef != nil:
		ref := from.ResourceFieldRef
		var q resource.Quantity
		parts := strings.SplitN(ref.Resource, ".", 2)
		if len(parts) == 2 {
			list := c.Resources.Requests
			if parts[0] == "limits" {
				list = c.Resources.Limits
			}
			if v, ok := list[v1.ResourceName(parts[1])]; ok {
				q = v
			} else {
				q = k.capacity[v1.ResourceName(parts[1])]
			}
		}
		divisor := ref.Divisor
		if divisor.IsZero() {
			divisor = resource.MustParse("1")
		}
		n := (q.MilliValue() + divisor.MilliValue() - 1) / divisor.MilliValue()
		return strconv.FormatInt(n, 10), false, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		sec, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("secret %q not found", ref.Name)
		}
		val, ok := sec.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return string(val), false, nil
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("configmap %q not found", ref.Name)
		}
		val, ok := cm.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return val, false, nil
	}
	return "", false, errors.New("an env valueFrom the host kubelet does not know")
}

// expand replaces $(NAME) with the variable's value, as Kubernetes expands env values, command
// and args; $$ escapes a $, and a reference to an unknown variable stays as written.
func expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			if s[i+1] == '$' {
				b.WriteByte('$')
				i++
				continue
			}
			if s[i+1] == '(' {
				if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
					name := s[i+2 : i+2+end]
					if v, ok := env[name]; ok {
						b.WriteString(v)
						i += 2 + end
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func flatten(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// execContainer runs inside the container's private mount namespace (the parent unshared it and
// made every mount private): it bind-mounts the volumes, changes to the working directory and
// becomes the container's command. Sources (and the host's copy of the command) are opened before
// any mount, so a volume mounted over a parent of the kubelet's state (an emptyDir at /tmp, with
// the state under /tmp) does not hide what comes after it.
func execContainer(args []string) {
	var workdir string
	var mounts, keep []string
	for len(args) > 0 && args[0] != "--" {
		switch args[0] {
		case "--workdir":
			workdir = args[1]
		case "--mount":
			mounts = append(mounts, args[1])
		case "--keep":
			keep = append(keep, args[1])
		}
		args = args[2:]
	}
	if len(args) < 2 {
		die("exec-container: no command")
	}
	argv := args[1:]
	// The command as the host sees it (the worker image's commands are host files): held open.
	hostExe := -1
	if found, err := exec.LookPath(argv[0]); err == nil {
		if fd, err := syscall.Open(found, unix.O_PATH, 0); err == nil {
			hostExe = fd // not close-on-exec: a script's interpreter opens it by /proc/self/fd
		}
	}
	type mount struct {
		fd      int
		dst     string
		dir, ro bool
	}
	var planned, kept []mount
	for _, m := range mounts {
		ro := strings.HasSuffix(m, ":ro")
		m = strings.TrimSuffix(m, ":ro")
		src, dst, _ := strings.Cut(m, "=")
		info, err := os.Stat(src)
		if err != nil {
			die("mount %s: %v", src, err)
		}
		fd, err := syscall.Open(src, unix.O_PATH|syscall.O_CLOEXEC, 0)
		if err != nil {
			die("open %s: %v", src, err)
		}
		planned = append(planned, mount{fd: fd, dst: dst, dir: info.IsDir(), ro: ro})
	}
	// The image's folders go back where they were once the volumes are mounted, if a volume hid
	// them; they are opened now, while they are visible.
	for _, dir := range keep {
		if fd, err := syscall.Open(dir, unix.O_PATH|syscall.O_CLOEXEC, 0); err == nil {
			kept = append(kept, mount{fd: fd, dst: dir, dir: true})
		}
	}
	for _, m := range planned {
		if !m.dir {
			os.MkdirAll(filepath.Dir(m.dst), 0o755)
			if f, err := os.OpenFile(m.dst, os.O_CREATE, 0o644); err == nil {
				f.Close()
			}
		} else if err := os.MkdirAll(m.dst, 0o755); err != nil {
			die("mount at %s: %v", m.dst, err)
		}
		src := "/proc/self/fd/" + strconv.Itoa(m.fd)
		if err := syscall.Mount(src, m.dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			die("mount at %s: %v", m.dst, err)
		}
		if m.ro {
			if err := syscall.Mount("", m.dst, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				die("remount %s read-only: %v", m.dst, err)
			}
		}
	}
	for _, m := range kept {
		var was, now syscall.Stat_t
		if syscall.Fstat(m.fd, &was) == nil && syscall.Stat(m.dst, &now) == nil && was.Dev == now.Dev && was.Ino == now.Ino {
			continue // still visible
		}
		if err := os.MkdirAll(m.dst, 0o755); err != nil {
			die("keep %s: %v", m.dst, err)
		}
		if err := syscall.Mount("/proc/self/fd/"+strconv.Itoa(m.fd), m.dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			die("keep %s: %v", m.dst, err)
		}
	}
	if workdir != "" {
		os.MkdirAll(workdir, 0o755)
		if err := os.Chdir(workdir); err != nil {
			die("workingDir %s: %v", workdir, err)
		}
	}
	// The command as the container sees it (a volume may bring it, e.g. /reprise/bin/...), else
	// the host's copy opened above.
	path, err := exec.LookPath(argv[0])
	if err != nil {
		if hostExe < 0 {
			die("exec: %q: executable file not found in $PATH", argv[0])
		}
		path = "/proc/self/fd/" + strconv.Itoa(hostExe)
	}
	err = syscall.Exec(path, argv, os.Environ())
	die("exec %s: %v", argv[0], err)
}

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	os.Exit(128)
}
